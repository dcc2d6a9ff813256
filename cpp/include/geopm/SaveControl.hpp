/*
 * A snapshot of an IOGroup's control settings, so they can be written back
 * after a job (and kept in a JSON file in between).
 */
#ifndef SAVECONTROL_HPP_INCLUDE
#define SAVECONTROL_HPP_INCLUDE

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "geopm_public.h"

namespace geopm
{
    class IOGroup;
    class PlatformTopo;

    class GEOPM_PUBLIC SaveControl
    {
        public:
            /// One control value on one domain.
            struct m_setting_s {
                std::string name;
                int domain_type;
                int domain_idx;
                double setting;
            };
            SaveControl() = default;
            virtual ~SaveControl() = default;
            static std::unique_ptr<SaveControl> make_unique(const std::vector<m_setting_s> &settings);
            /// From the text json() produced.
            static std::unique_ptr<SaveControl> make_unique(const std::string &json_string);
            /// Read every control of io_group whose name starts with
            /// "<io_group.name()>::" on every domain of its native type.
            static std::unique_ptr<SaveControl> make_unique(IOGroup &io_group);
            /// A JSON array of {"name", "domain_type", "domain_idx",
            /// "setting"} objects; settings that are not finite are left out.
            virtual std::string json(void) const = 0;
            virtual std::vector<m_setting_s> settings(void) const = 0;
            virtual void write_json(const std::string &save_path) const = 0;
            /// write_control() every finite setting into io_group.
            virtual void restore(IOGroup &io_group) const = 0;
            /// The names in all_controls that have no finite saved setting.
            virtual std::set<std::string> unsaved_controls(const std::set<std::string> &all_controls) const = 0;
    };

    class GEOPM_PUBLIC SaveControlImp : public SaveControl
    {
        public:
            SaveControlImp(const std::vector<m_setting_s> &settings);
            SaveControlImp(const std::string &json_string);
            SaveControlImp(IOGroup &io_group, const PlatformTopo &topo);
            virtual ~SaveControlImp() = default;
            std::string json(void) const override;
            std::vector<m_setting_s> settings(void) const override;
            void write_json(const std::string &save_path) const override;
            void restore(IOGroup &io_group) const override;
            std::set<std::string> unsaved_controls(const std::set<std::string> &all_controls) const override;

            static std::string json(const std::vector<m_setting_s> &settings);
            /// Throws GEOPM_ERROR_INVALID for text that is not such an array.
            static std::vector<m_setting_s> settings(const std::string &json_string);
            static std::vector<m_setting_s> settings(IOGroup &io_group,
                                                     const PlatformTopo &topo);
        private:
            const std::vector<m_setting_s> m_settings;
    };
}

#endif
