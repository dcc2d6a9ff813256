"""A fake machine's /proc and /sys files, for GEOPM_BRIDGE_SYSFS_ROOT.

The tree is consistent for every reader: PlatformTopo (cpuinfo and the
topology directories), PROCSTAT (/proc/stat), CPUINFO, CPUFREQ (one cpufreq
policy per core) and POWERCAP (one RAPL zone per package, with a dram
subzone). CPUs are numbered as Linux does on a two-socket machine with
hyper-threads: the first threads of all cores first, then their siblings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CLK_TICKS_PER_CPU = 10  # /proc/stat ticks grow by this much per column per CPU


@dataclass(frozen=True)
class FakeMachine:
    """Shape and contents of the fake tree."""

    packages: int = 2
    cores_per_package: int = 2
    threads_per_core: int = 2
    model_name: str = "Fake(R) Xeon(R) CPU @ 2.10GHz"
    cpu_mhz: float = 2345.678
    cpufreq: bool = True
    powercap: bool = True

    @property
    def num_cpu(self) -> int:
        """Number of logical CPUs."""
        return self.packages * self.cores_per_package * self.threads_per_core

    def package_core_of(self, cpu: int) -> tuple[int, int]:
        """(package, core id within the package) of a CPU."""
        first_thread = cpu % (self.packages * self.cores_per_package)
        return divmod(first_thread, self.cores_per_package)

    def core_cpus(self, cpu: int) -> list[int]:
        """The CPUs sharing cpu's core, lowest first."""
        num_core = self.packages * self.cores_per_package
        first = cpu % num_core
        return [first + thread * num_core for thread in range(self.threads_per_core)]

    def package_cpus(self, package: int) -> list[int]:
        """The CPUs of a package, lowest first."""
        return [cpu for cpu in range(self.num_cpu) if self.package_core_of(cpu)[0] == package]


def stat_ticks(cpu: int, column: int) -> int:
    """Clock ticks written for a CPU's /proc/stat column (distinct everywhere)."""
    return 1000 * (cpu + 1) + CLK_TICKS_PER_CPU * column


# Attribute values of every cpufreq policy (kHz).
CPUFREQ_FILES = {
    "cpuinfo_min_freq": "1000000",
    "cpuinfo_max_freq": "3500000",
    "scaling_min_freq": "1200000",
    "scaling_max_freq": "3400000",
    "scaling_setspeed": "<unsupported>",
    "scaling_governor": "powersave",
}

# Per-package powercap files (micro-units).
POWERCAP_FILES = {
    "energy_uj": "1000000",
    "max_energy_range_uj": "262143328850",
    "constraint_0_name": "long_term",
    "constraint_0_power_limit_uw": "150000000",
    "constraint_0_time_window_us": "999424",
    "constraint_0_max_power_uw": "165000000",
    "constraint_1_name": "short_term",
    "constraint_1_power_limit_uw": "198000000",
    "constraint_1_time_window_us": "2440",
    "constraint_1_max_power_uw": "330000000",
}

DRAM_FILES = {"energy_uj": "5000000", "max_energy_range_uj": "65532610987"}


def scaling_cur_khz(policy: int) -> int:
    """Current frequency written for a policy (distinct per policy)."""
    return 2000000 + 100000 * policy


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _cpu_list(cpus: list[int]) -> str:
    return ",".join(str(cpu) for cpu in cpus) + "\n"


def build(root: Path, machine: FakeMachine = FakeMachine()) -> Path:
    """Write the fake tree under root and return root."""
    cpuinfo = []
    stat = ["cpu  " + " ".join("0" for _ in range(10))]
    cpu_dir = root / "sys/devices/system/cpu"
    for cpu in range(machine.num_cpu):
        package, core = machine.package_core_of(cpu)
        cpuinfo.append(
            f"processor\t: {cpu}\nmodel name\t: {machine.model_name}\n"
            f"cpu MHz\t\t: {machine.cpu_mhz}\nphysical id\t: {package}\n"
            f"siblings\t: {machine.cores_per_package * machine.threads_per_core}\n"
            f"core id\t\t: {core}\ncpu cores\t: {machine.cores_per_package}\n"
        )
        stat.append(f"cpu{cpu} " + " ".join(str(stat_ticks(cpu, col)) for col in range(10)))
        topo = cpu_dir / f"cpu{cpu}/topology"
        _write(topo / "physical_package_id", f"{package}\n")
        _write(topo / "core_id", f"{core}\n")
        _write(topo / "thread_siblings_list", _cpu_list(machine.core_cpus(cpu)))
        _write(topo / "core_cpus_list", _cpu_list(machine.core_cpus(cpu)))
        _write(topo / "core_siblings_list", _cpu_list(machine.package_cpus(package)))
        _write(topo / "package_cpus_list", _cpu_list(machine.package_cpus(package)))
    for name in ("online", "present", "possible"):
        _write(cpu_dir / name, f"0-{machine.num_cpu - 1}\n")
    _write(root / "proc/cpuinfo", "\n".join(cpuinfo))
    _write(root / "proc/stat", "\n".join(stat) + "\nintr 0\nctxt 0\n")

    if machine.cpufreq:
        for cpu in range(machine.num_cpu):
            policy = machine.core_cpus(cpu)[0]
            policy_dir = cpu_dir / f"cpufreq/policy{policy}"
            if cpu == policy:
                for name, text in CPUFREQ_FILES.items():
                    _write(policy_dir / name, text + "\n")
                _write(policy_dir / "scaling_cur_freq", f"{scaling_cur_khz(policy)}\n")
                affected = " ".join(str(sib) for sib in machine.core_cpus(cpu))
                _write(policy_dir / "affected_cpus", affected + "\n")
                _write(policy_dir / "related_cpus", affected + "\n")
            # As in Linux, cpuN/cpufreq is a link to its policy directory.
            (cpu_dir / f"cpu{cpu}/cpufreq").symlink_to(f"../cpufreq/policy{policy}")

    if machine.powercap:
        powercap = root / "sys/class/powercap"
        _write(powercap / "intel-rapl/enabled", "1\n")
        for package in range(machine.packages):
            zone = powercap / f"intel-rapl:{package}"
            _write(zone / "name", f"package-{package}\n")
            for name, text in POWERCAP_FILES.items():
                _write(zone / name, text + "\n")
            dram = powercap / f"intel-rapl:{package}:0"
            _write(dram / "name", "dram\n")
            for name, text in DRAM_FILES.items():
                _write(dram / name, text + "\n")
    return root


def read(root: Path, path: str) -> str:
    """A fake file's text without its newline."""
    return (root / path.lstrip("/")).read_text().strip()
