"""``geopm-bridge agent``: list agents, describe one, write a policy (like geopmagent)."""

from __future__ import annotations

import argparse
import json
import math
import sys

from .. import GeopmError, agent_factory, load_agents, policy_names, sample_names
from ..composite import resolve_composite
from ..profile import region_hash
from .errors import ArgumentParser, UsageError, user_message
from .platform_options import version_text


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge agent",
        description="With no options, list every agent: built-in, plugin and Python. With an "
        "agent, print its policy and sample names. With -p, print (or write with -o) the "
        "JSON policy for GEOPM_POLICY / --geopm-policy, as geopmagent does.",
    )
    parser.add_argument("name", nargs="?", help="agent name (same as -a)")
    parser.add_argument("-a", "--agent", help="agent name")
    parser.add_argument(
        "-p",
        "--policy",
        metavar="V0[,V1...]",
        help="policy values in order (missing trailing values are NAN; 'none' for no policy)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the policy JSON to FILE")
    parser.add_argument(
        "-V",  # geopmagent's (geopmread's is -v)
        "--version",
        action="store_true",
        help="print the GEOPM version this runtime follows, then geopm-bridge's",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def _policy_value(name: str, word: str) -> float:
    """word as a number: decimal or 0x hexadecimal (as strtod reads them), or,
    for a region hash entry (a name with HASH in it), a region name, which
    becomes its hash as geopmagent does."""
    try:
        return float(word)
    except ValueError:
        pass
    try:
        return float(int(word, 16)) if word.lower().startswith("0x") else float(word)
    except ValueError:
        if "hash" in name.lower() and word:
            return float(region_hash(word))
    raise UsageError(f"policy value {word!r} for {name} is not a number") from None


def policy_document(names: list[str], values_text: str) -> dict[str, float | str]:
    """Map comma-separated ``values_text`` onto ``names`` as geopmagent does."""
    if values_text.strip().lower() == "none":
        return {}
    words = [word.strip() for word in values_text.split(",")]
    if len(words) > len(names):
        raise UsageError(
            f"{len(words)} policy values given but the agent has {len(names)}: {', '.join(names)}"
        )
    document: dict[str, float | str] = {}
    for name, word in zip(names, words, strict=False):  # fewer words than names is fine
        value = _policy_value(name, word)
        if math.isinf(value):
            raise UsageError(f"policy value {word!r} for {name} is not finite")
        document[name] = "NAN" if math.isnan(value) else value
    return document


def policy_json(document: dict[str, float | str]) -> str:
    """The policy as geopmagent prints it: ``{"NAME": 500, "OTHER": "NAN"}``, each
    number as GEOPM's string_format_double() writes it (printf's %.16g)."""
    entries = (
        f"{json.dumps(name)}: "
        + (json.dumps(value) if isinstance(value, str) else format(value, ".16g"))
        for name, value in document.items()
    )
    return "{" + ", ".join(entries) + "}"


def main(args: list[str]) -> int:
    """Run ``geopm-bridge agent``."""
    opts = _parser().parse_args(args)
    if opts.version:
        print(version_text(), end="")
        return 0
    if opts.name and opts.agent and opts.name != opts.agent:
        raise UsageError(f"two agents given: {opts.name!r} and {opts.agent!r}")
    name = opts.agent or opts.name
    if (opts.policy is not None or opts.output) and not name:
        raise UsageError("-p and -o need an agent (-a AGENT)")

    failures = load_agents(strict=False)
    factory = agent_factory()
    if not name:
        for failure in failures:
            print(f"geopm-bridge: warning: {failure}", file=sys.stderr)
        for agent in factory.plugin_names():
            print(agent)
        return 0
    try:
        resolve_composite(name)
    except GeopmError as error:
        raise UsageError(user_message(error)) from None
    known = factory.plugin_names()
    if name not in known:
        detail = "".join(f"; {failure}" for failure in failures)
        raise UsageError(f"unknown agent {name!r} (known agents: {', '.join(known)}){detail}")
    policy = policy_names(name)
    if opts.policy is None:
        print(f"Policy: {','.join(policy) if policy else '(none)'}")
        sample = sample_names(name)
        print(f"Sample: {','.join(sample) if sample else '(none)'}")
        return 0
    text = policy_json(policy_document(policy, opts.policy))
    if opts.output:
        with open(opts.output, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
    else:
        print(text)
    return 0
