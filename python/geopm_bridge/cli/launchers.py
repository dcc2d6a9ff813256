"""The launchers ``geopm-bridge launch`` wraps: the two steps' command lines.

A job under a launcher is two launcher steps (docs/launch.md): the
controllers, one per node, and the application, placed as the user asked.
Each launcher class turns the user's launcher arguments into both command
lines and says how a step gets its variables.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

from .errors import UsageError


def _option_name(word: str) -> str:
    return word.split("=", 1)[0]


def _drop(
    args: list[str], with_value: frozenset[str], flags: frozenset[str] = frozenset()
) -> list[str]:
    """args without the options named (``-n 4``, ``-n=4``, ``--ntasks=4``)."""
    result: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        name = _option_name(word)
        if name in with_value:
            index += 1 if "=" in word else 2
            continue
        if word in flags:
            index += 1
            continue
        result.append(word)
        index += 1
    return result


class Launcher:
    """A launcher: its program and the user's arguments for it."""

    #: The launcher's own names of the placement options the controller
    #: step replaces by one task per node.
    _PLACEMENT: frozenset[str] = frozenset()

    def __init__(self, program: str, args: list[str]) -> None:
        self.program = program
        self.args = args

    def controller_command(self, names: list[str], command: list[str]) -> list[str]:
        """The controller step: command once per node; names: the variables it needs."""
        raise NotImplementedError

    def app_command(self, names: list[str], env: Mapping[str, str], app: list[str]) -> list[str]:
        """The application step: app as the user placed it; names: the job's variables
        it needs too; env: variables set in its tasks only."""
        raise NotImplementedError

    def controller_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """The controller step's environment, from the job's."""
        return dict(env)

    def check(self, app_env: Mapping[str, str]) -> None:
        """Refuse launcher arguments that conflict with what launch sets."""


class OpenMpi(Launcher):
    """Open MPI's mpirun / mpiexec."""

    _PLACEMENT = frozenset(
        {
            "-n", "-np", "--n", "--np", "-c", "-N", "--npernode", "-npernode", "--npersocket",
            "-npersocket", "--map-by", "-map-by", "--rankfile", "-rf", "--ppr", "-ppr", "--bind-to",
            "-bind-to", "--cpus-per-proc", "-cpus-per-proc", "--cpus-per-rank", "-cpus-per-rank",
        }
    )  # fmt: skip

    def controller_command(self, names: list[str], command: list[str]) -> list[str]:
        # -x NAME: a remote rank gets only the variables named.
        exports = [word for name in names for word in ("-x", name)]
        kept = _drop(self.args, self._PLACEMENT)
        return [self.program, *kept, "--npernode", "1", "--bind-to", "none", *exports, *command]

    def app_command(self, names: list[str], env: Mapping[str, str], app: list[str]) -> list[str]:
        # -x NAME=VALUE reaches the ranks only, not mpirun (LD_PRELOAD).
        exports = [word for name in names for word in ("-x", name)]
        exports += [word for name, value in env.items() for word in ("-x", f"{name}={value}")]
        return [self.program, *self.args, *exports, *app]

    def check(self, app_env: Mapping[str, str]) -> None:
        # MPICH's and Intel MPI's mpiexec take other options (-genv, not -x).
        try:
            done = subprocess.run(
                [self.program, "--version"], capture_output=True, text=True, timeout=30
            )
            version = done.stdout + done.stderr
        except (OSError, subprocess.TimeoutExpired) as error:
            version = str(error)
        if "Open MPI" not in version and "OpenRTE" not in version:
            first = (version.strip().splitlines() or ["no answer"])[0]
            raise UsageError(
                f"{self.program} is not Open MPI's ({self.program} --version: {first}); "
                "geopm-bridge launch knows Open MPI's mpirun and mpiexec, and srun"
            )
        for index, word in enumerate(self.args[:-1]):
            if word != "-x":
                continue
            name = _option_name(self.args[index + 1])
            if name in app_env:
                raise UsageError(
                    f"launcher argument -x {self.args[index + 1]} conflicts with geopm-bridge "
                    f"launch, which sets {name} for the application"
                    + (" (--geopm-preload)" if name == "LD_PRELOAD" else "")
                )
            if name.startswith("GEOPM_"):
                raise UsageError(
                    f"launcher argument -x {self.args[index + 1]} conflicts with geopm-bridge "
                    f"launch, which passes the job's GEOPM_* variables to both steps itself "
                    f"(give the --geopm-* option, or set {name} in the environment)"
                )


class Srun(Launcher):
    """SLURM's srun, inside an allocation (salloc, sbatch)."""

    _PLACEMENT = frozenset(
        {
            "-n", "--ntasks", "--ntasks-per-node", "-c", "--cpus-per-task", "--ntasks-per-core",
            "--ntasks-per-socket", "--ntasks-per-gpu", "-m", "--distribution", "--cpu-bind",
            "--cpu_bind",
        }
    )  # fmt: skip
    # What an allocation's environment says of its tasks, that would
    # contradict one task per node.
    _TASK_VARIABLES = (
        "SLURM_NTASKS",
        "SLURM_NPROCS",
        "SLURM_NTASKS_PER_NODE",
        "SLURM_CPUS_PER_TASK",
    )

    def controller_command(self, names: list[str], command: list[str]) -> list[str]:
        # srun passes its whole environment (--export=ALL, the default);
        # --overlap lets the application step share the nodes' CPUs.
        kept = _drop(self.args, self._PLACEMENT)
        return [
            self.program,
            *kept,
            "--ntasks-per-node=1",
            "--overlap",
            "--cpu-bind=none",
            *command,
        ]

    def controller_env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {name: value for name, value in env.items() if name not in self._TASK_VARIABLES}

    def app_command(self, names: list[str], env: Mapping[str, str], app: list[str]) -> list[str]:
        # names travel in srun's environment (--export=ALL); the tasks' own
        # variables through --export, never srun's (LD_PRELOAD).
        exports = "".join(f",{name}={value}" for name, value in env.items())
        return [self.program, *self.args, *([f"--export=ALL{exports}"] if env else []), *app]

    def check(self, app_env: Mapping[str, str]) -> None:
        for word in self.args:
            if _option_name(word) == "--export":
                raise UsageError(
                    f"launcher argument {word} conflicts with geopm-bridge launch, which passes "
                    "the job's variables in srun's environment and the application's with --export"
                )
        for name, value in app_env.items():
            if "," in value:
                raise UsageError(
                    f"{name}={value}: srun's --export cannot carry a value with a comma"
                )


# geopmlaunch's launcher names too (ompi, SrunLauncher, ...).
LAUNCHERS: dict[str, type[Launcher]] = {
    "mpirun": OpenMpi,
    "mpiexec": OpenMpi,
    "ompi": OpenMpi,
    "OMPIExecLauncher": OpenMpi,
    "srun": Srun,
    "SrunLauncher": Srun,
}
_PROGRAMS = {"ompi": "mpiexec", "OMPIExecLauncher": "mpiexec", "SrunLauncher": "srun"}
# geopmlaunch's others: known, so that the word is never taken for the application.
REFUSED_LAUNCHERS = frozenset(
    {
        "aprun",
        "AlpsLauncher",
        "impi",
        "IMPIExecLauncher",
        "pals",
        "PALSLauncher",
        "SrunTOSSLauncher",
    }
)


def launcher_of(word: str) -> Launcher | None:
    """The launcher ``word`` names (a name or a path), without arguments yet; None when
    it names none."""
    base = os.path.basename(word)
    if base in REFUSED_LAUNCHERS:
        raise UsageError(
            f"launcher {word!r} is not supported: geopm-bridge launch runs Open MPI's mpirun "
            "or mpiexec (geopmlaunch's ompi) and srun"
        )
    kind = LAUNCHERS.get(base)
    if kind is None:
        return None
    return kind(word if os.sep in word else _PROGRAMS.get(word, word), [])
