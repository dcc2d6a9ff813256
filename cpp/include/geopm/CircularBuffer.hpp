/*
 * A fixed-capacity ring of the most recent values (agents keep short
 * histories of samples in them). Header-only template.
 */
#ifndef CIRCULARBUFFER_HPP_INCLUDE
#define CIRCULARBUFFER_HPP_INCLUDE

#include <stdlib.h>

#include <string>
#include <vector>

#include "geopm_public.h"

#include "Exception.hpp"

namespace geopm
{
    template <class type>
    class CircularBuffer
    {
        public:
            CircularBuffer();
            /// An empty buffer holding at most size values.
            CircularBuffer(unsigned int size);
            virtual ~CircularBuffer() = default;
            /// Change the capacity, keeping the newest values that fit.
            void set_capacity(const unsigned int size);
            /// Drop every value (the capacity stays).
            void clear(void);
            /// Number of values held.
            int size(void) const;
            int capacity(void) const;
            /// Append a value, dropping the oldest when full; throws
            /// GEOPM_ERROR_RUNTIME for a zero capacity.
            void insert(const type value);
            /// index 0 is the oldest value; negative indices count back
            /// from the newest (-1). Out of range throws GEOPM_ERROR_INVALID.
            const type& value(const int index) const;
            /// All values, oldest first.
            std::vector<type> make_vector(void) const;
            /// Values [start, end) in oldest-first order.
            std::vector<type> make_vector(const unsigned int start, const unsigned int end) const;
        private:
            // m_buffer[m_head] is the oldest value once the ring is full.
            std::vector<type> m_buffer;
            unsigned long m_head;
            unsigned long m_count;
            size_t m_max_size;
    };

    template <class type>
    CircularBuffer<type>::CircularBuffer()
        : CircularBuffer(0)
    {
    }

    template <class type>
    CircularBuffer<type>::CircularBuffer(unsigned int size)
        : m_buffer(size)
        , m_head(0)
        , m_count(0)
        , m_max_size(size)
    {
    }

    template <class type>
    int CircularBuffer<type>::size() const
    {
        return static_cast<int>(m_count);
    }

    template <class type>
    int CircularBuffer<type>::capacity() const
    {
        return static_cast<int>(m_max_size);
    }

    template <class type>
    void CircularBuffer<type>::clear()
    {
        m_head = 0;
        m_count = 0;
    }

    template <class type>
    void CircularBuffer<type>::set_capacity(const unsigned int size)
    {
        // Unroll to oldest-first order, keep the newest `size` values.
        std::vector<type> ordered = make_vector();
        if (ordered.size() > size) {
            ordered.erase(ordered.begin(), ordered.end() - size);
        }
        m_count = ordered.size();
        ordered.resize(size);
        m_buffer.swap(ordered);
        m_head = 0;
        m_max_size = size;
    }

    template <class type>
    void CircularBuffer<type>::insert(const type value)
    {
        if (m_max_size == 0) {
            throw Exception("CircularBuffer::insert(): the buffer has zero capacity",
                            GEOPM_ERROR_RUNTIME, __FILE__, __LINE__);
        }
        if (m_count < m_max_size) {
            m_buffer[(m_head + m_count) % m_max_size] = value;
            ++m_count;
        }
        else {
            m_buffer[m_head] = value;
            m_head = (m_head + 1) % m_max_size;
        }
    }

    template <class type>
    const type& CircularBuffer<type>::value(const int index) const
    {
        const long count = static_cast<long>(m_count);
        if (index >= count || index < -count) {
            throw Exception("CircularBuffer::value(): index " + std::to_string(index) +
                            " is out of range for " + std::to_string(count) + " values",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        long offset = index < 0 ? count + index : index;
        return m_buffer[(m_head + offset) % m_max_size];
    }

    template <class type>
    std::vector<type> CircularBuffer<type>::make_vector(void) const
    {
        std::vector<type> result;
        result.reserve(m_count);
        for (unsigned long idx = 0; idx < m_count; ++idx) {
            result.push_back(m_buffer[(m_head + idx) % m_max_size]);
        }
        return result;
    }

    template <class type>
    std::vector<type> CircularBuffer<type>::make_vector(const unsigned int idx_start,
                                                        const unsigned int idx_end) const
    {
        if (idx_start >= m_count) {
            throw Exception("CircularBuffer::make_vector(): start index is out of range",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (idx_end > m_count) {
            throw Exception("CircularBuffer::make_vector(): end index is out of range",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        if (idx_end <= idx_start) {
            throw Exception("CircularBuffer::make_vector(): end index must be greater than start index",
                            GEOPM_ERROR_INVALID, __FILE__, __LINE__);
        }
        std::vector<type> result;
        result.reserve(idx_end - idx_start);
        for (unsigned long idx = idx_start; idx < idx_end; ++idx) {
            result.push_back(m_buffer[(m_head + idx) % m_max_size]);
        }
        return result;
    }
}

#endif
