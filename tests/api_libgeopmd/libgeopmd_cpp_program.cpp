/*
 * A C++ program on GEOPM 3.1's Cpuid, SharedMemory, SharedMemoryScopedLock
 * and ServiceProxy (tests/test_api_libgeopmd.py). Each mode prints
 * "key value ..." lines; an exception prints "error <code> <what>".
 *
 *   cpuid                      what CPUID says
 *   service                    ServiceProxy::make_unique()
 *   owner KEY COUNT [secure]   create region KEY, then on stdin "go": add 1
 *                              to its counter COUNT times under the lock,
 *                              "end": print the counter and unlink
 *   user KEY COUNT TIMEOUT     attach to KEY, then "go": as the owner,
 *                              "unlink": unlink the region
 *   attach KEY TIMEOUT         attach to KEY and print its size
 *   relock KEY                 create KEY, lock it twice from one thread
 *   cleanup KEY                create KEY, leave it, SharedMemory::cleanup_shmem()
 */
#include <sched.h>
#include <stdint.h>

#include <iostream>
#include <memory>
#include <string>

#include "geopm/Cpuid.hpp"
#include "geopm/Exception.hpp"
#include "geopm/ServiceProxy.hpp"
#include "geopm/SharedMemory.hpp"
#include "geopm/SharedMemoryScopedLock.hpp"

namespace
{
    // The shared counter, changed by a read, a pause and a write: without
    // the lock, two processes lose each other's increments.
    void add_under_lock(geopm::SharedMemory &shmem, long count)
    {
        volatile uint64_t *counter = static_cast<volatile uint64_t *>(shmem.pointer());
        for (long idx = 0; idx < count; ++idx) {
            std::unique_ptr<geopm::SharedMemoryScopedLock> lock = shmem.get_scoped_lock();
            uint64_t value = *counter;
            if (idx % 64 == 0) {
                sched_yield();
            }
            *counter = value + 1;
        }
    }

    std::string wait_line(void)
    {
        std::string line;
        std::getline(std::cin, line);
        return line;
    }

    int run(int argc, char **argv)
    {
        std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "cpuid") {
            std::unique_ptr<geopm::Cpuid> cpuid = geopm::Cpuid::make_unique();
            geopm::Cpuid::rdt_info_s rdt = cpuid->rdt_info();
            std::cout << "cpuid " << cpuid->cpuid() << "\n"
                      << "hwp " << cpuid->is_hwp_supported() << "\n"
                      << "freq_sticker " << cpuid->freq_sticker() << "\n"
                      << "pmc_bit_width " << cpuid->pmc_bit_width() << "\n"
                      << "rdt " << rdt.rdt_support << " " << rdt.rmid_bit_width << " "
                      << rdt.mbm_scalar << std::endl;
        }
        else if (mode == "service") {
            std::unique_ptr<geopm::ServiceProxy> proxy = geopm::ServiceProxy::make_unique();
            std::cout << "service connected" << std::endl;
        }
        else if (mode == "owner" && argc >= 4) {
            const bool secure = argc > 4 && std::string(argv[4]) == "secure";
            std::unique_ptr<geopm::SharedMemory> shmem =
                secure ? geopm::SharedMemory::make_unique_owner_secure(argv[2], sizeof(uint64_t))
                       : geopm::SharedMemory::make_unique_owner(argv[2], sizeof(uint64_t));
            *static_cast<uint64_t *>(shmem->pointer()) = 0;
            std::cout << "created " << shmem->key() << " " << shmem->size() << std::endl;
            if (wait_line() == "go") {
                add_under_lock(*shmem, std::stol(argv[3]));
                std::cout << "done" << std::endl;
            }
            if (wait_line() == "end") {
                uint64_t total = 0;
                {
                    auto lock = shmem->get_scoped_lock();
                    total = *static_cast<uint64_t *>(shmem->pointer());
                }
                shmem->unlink();
                // The owner's second unlink does nothing.
                shmem->unlink();
                std::cout << "total " << total << std::endl;
            }
        }
        else if (mode == "user" && argc >= 5) {
            std::unique_ptr<geopm::SharedMemory> shmem =
                geopm::SharedMemory::make_unique_user(argv[2], std::stoul(argv[4]));
            std::cout << "attached " << shmem->key() << " " << shmem->size() << std::endl;
            if (wait_line() == "go") {
                add_under_lock(*shmem, std::stol(argv[3]));
                std::cout << "done" << std::endl;
            }
            if (wait_line() == "unlink") {
                shmem->unlink();
                std::cout << "unlinked" << std::endl;
            }
        }
        else if (mode == "attach" && argc >= 4) {
            std::unique_ptr<geopm::SharedMemory> shmem =
                geopm::SharedMemory::make_unique_user(argv[2], std::stoul(argv[3]));
            std::cout << "attached " << shmem->size() << std::endl;
        }
        else if (mode == "relock" && argc >= 3) {
            std::unique_ptr<geopm::SharedMemory> shmem =
                geopm::SharedMemory::make_unique_owner(argv[2], 8);
            shmem->unlink();
            auto first = shmem->get_scoped_lock();
            std::cout << "locked" << std::endl;
            auto second = shmem->get_scoped_lock();
            std::cout << "locked twice" << std::endl;
        }
        else if (mode == "cleanup" && argc >= 3) {
            geopm::SharedMemory::make_unique_owner(argv[2], 8);
            std::cout << "left" << std::endl;
            geopm::SharedMemory::cleanup_shmem();
            std::cout << "cleaned" << std::endl;
        }
        else {
            std::cerr << "usage: see the comment at the top of " << __FILE__ << std::endl;
            return 2;
        }
        return 0;
    }
}

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    }
    catch (const geopm::Exception &ex) {
        std::cout << "error " << ex.err_value() << " " << ex.what() << std::endl;
    }
    return 1;
}
