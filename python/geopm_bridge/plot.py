"""A picture of a run from its traces: per node, over time, the CPU power and
its limit, the CPU frequency and the application's region.

One panel per quantity, stacked on a shared time axis, one line (or, for
regions, one lane of coloured bands) per node, coloured by host. A panel
appears only if some trace holds its columns. A row's values hold until the
next row (steps). Where nodes run alike their lines coincide: the hosts
drawn first are drawn wider, so that every host stays visible. matplotlib is an optional
dependency (``pip install 'geopm-bridge[plot]'``), imported only when a
picture is drawn; drawing uses the Agg backend and no pyplot state, so it
works without a display and from threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .trace import REGION_HASH_UNMARKED, FloatArray, Trace, TraceError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["INSTALL_HINT", "OutputError", "PlotUnavailable", "plot_traces", "usable_panels"]

INSTALL_HINT = "pip install 'geopm-bridge[plot]'"

# A matplotlib colour: a name or grey level, or RGBA.
Color = str | tuple[float, float, float, float]


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


class OutputError(ValueError):
    """An image file that cannot be written: no such directory, unknown format."""


def usable_panels(trace: Trace) -> list[str]:
    """The panels ``trace`` has columns for: "power", "frequency", "region"."""
    panels = []
    if trace.power() is not None or trace.power_limit() is not None:
        panels.append("power")
    if trace.frequency() is not None:
        panels.append("frequency")
    if trace.region_hash() is not None:
        panels.append("region")
    return panels


def plot_traces(
    traces: Sequence[Trace],
    output: str | Path,
    *,
    region_names: Mapping[int, str] | None = None,
    title: str | None = None,
    size: tuple[int, int] = (1600, 1000),
    dpi: int = 100,
) -> list[str]:
    """Draw ``traces`` (one per node) into the image file ``output`` (its
    format from its suffix; PNG for ``.png``), ``size`` pixels wide and high.
    ``region_names`` names region hashes (:func:`geopm_bridge.trace.region_names`
    reads them from a report); others show as hexadecimal. Returns the panels
    drawn. Raises :class:`TraceError` if a trace has no column to draw,
    :class:`OutputError` if ``output``'s directory is missing or its format
    unknown, :class:`PlotUnavailable` without matplotlib."""
    if not traces:
        raise TraceError("no trace to plot")
    for trace in traces:
        if not usable_panels(trace):
            raise TraceError(
                f"{trace.path}: no column to plot (none of CPU_POWER, CPU_ENERGY, "
                "CPU_FREQUENCY_STATUS, REGION_HASH or a power limit)"
            )
    output = Path(output)
    if not output.parent.is_dir():
        raise OutputError(f"{output}: no such directory {str(output.parent)!r}")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotUnavailable(f"plotting needs matplotlib: {INSTALL_HINT}") from None

    kind = output.suffix.lstrip(".").lower()
    supported = FigureCanvasAgg.get_supported_filetypes()
    if kind not in supported:
        raise OutputError(
            f"{output}: unknown image format {kind!r} (name it .png, or one of "
            f"{', '.join(sorted(supported))})"
        )
    traces = sorted(traces, key=lambda trace: trace.host)
    panels = [
        panel
        for panel in ("power", "frequency", "region")
        if any(panel in usable_panels(trace) for trace in traces)
    ]
    width, height = size
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    # The region panel grows with the number of lanes, within bounds.
    lanes = max(0.6, min(1.5, 0.12 * len(traces)))
    ratios = [lanes if panel == "region" else 1.0 for panel in panels]
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False, height_ratios=ratios)[:, 0]
    colors = _host_colors(len(traces))
    for panel, ax in zip(panels, axes, strict=True):
        if panel == "power":
            _draw_power(ax, traces, colors)
        elif panel == "frequency":
            _draw_frequency(ax, traces, colors, legend="power" not in panels)
        else:
            _draw_regions(ax, traces, dict(region_names or {}))
    axes[-1].set_xlabel("time since job start (s)")
    end = max(float(np.nanmax(trace.time)) for trace in traces if trace.num_rows)
    axes[-1].set_xlim(0.0, end if end > 0 else 1.0)
    figure.suptitle(title if title is not None else _default_title(traces))
    figure.savefig(output, dpi=dpi)
    return panels


def _default_title(traces: Sequence[Trace]) -> str:
    agents = sorted({trace.header.get("agent", "") for trace in traces} - {""})
    nodes = f"{len(traces)} node{'s' if len(traces) != 1 else ''}"
    return f"{', '.join(agents)} on {nodes}" if agents else nodes


def _host_colors(count: int) -> list[Color]:
    from matplotlib import colormaps

    if count <= 10:
        cmap = colormaps["tab10"]
        return [cmap(index) for index in range(count)]
    cmap = colormaps["viridis"]
    return [cmap(index / max(1, count - 1)) for index in range(count)]


def _legend_outside(ax: Axes, title: str) -> None:
    handles, _ = ax.get_legend_handles_labels()
    ncol = 1 + len(handles) // 16
    ax.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), title=title, fontsize="small", ncol=ncol
    )


def _widths(count: int) -> list[float]:
    """Line widths by host: wider first, so coinciding lines all show."""
    if count > 10:
        return [1.0] * count
    return [1.0 + 2.0 * (count - 1 - index) / max(1, count - 1) for index in range(count)]


def _draw_power(ax: Axes, traces: Sequence[Trace], colors: Sequence[Color]) -> None:
    limit_columns = set()
    peaks = []
    for trace, color, width in zip(traces, colors, _widths(len(traces)), strict=True):
        power = trace.power()
        limit = trace.power_limit()
        for values in (power, limit[1] if limit is not None else None):
            if values is not None and np.isfinite(values).any():
                peaks.append(float(np.nanmax(values[np.isfinite(values)])))
        if power is not None:
            ax.plot(
                trace.time,
                power,
                color=color,
                drawstyle="steps-post",
                linewidth=width,
                label=trace.host,
            )
        if limit is not None:
            column, values = limit
            limit_columns.add(column)
            label = trace.host if power is None else None
            ax.plot(
                trace.time,
                values,
                color=color,
                drawstyle="steps-post",
                linestyle="--",
                linewidth=1.0,
                zorder=3,  # above the power lines, which often run along it
                label=label,
            )
    if limit_columns:
        # One entry explaining the dashed lines, whichever host they belong to.
        label = f"limit ({', '.join(sorted(limit_columns))})"
        ax.plot([], [], color="0.3", linestyle="--", label=label)
    ax.set_ylabel("CPU power (W)")
    ax.grid(True, alpha=0.3)
    # From zero, with room above a power that runs along its limit.
    top = max(peaks, default=0.0)
    ax.set_ylim(0.0, top * 1.1 if top > 0 else 1.0)
    _legend_outside(ax, "host")


def _draw_frequency(
    ax: Axes, traces: Sequence[Trace], colors: Sequence[Color], legend: bool
) -> None:
    for trace, color, width in zip(traces, colors, _widths(len(traces)), strict=True):
        frequency = trace.frequency()
        if frequency is not None:
            ax.plot(
                trace.time,
                frequency / 1e9,
                color=color,
                drawstyle="steps-post",
                linewidth=width,
                label=trace.host,
            )
    ax.set_ylabel("CPU frequency (GHz)")
    ax.grid(True, alpha=0.3)
    ax.margins(y=0.15)
    if legend:  # else the power panel's legend names the hosts
        _legend_outside(ax, "host")


def _segments(time: FloatArray, hashes: FloatArray) -> list[tuple[float, float, int]]:
    """(start, width, hash) runs of one region; a row's region lasts until the next row."""
    if len(time) == 0:
        return []
    ends = np.append(time[1:], time[-1] + (time[-1] - time[-2] if len(time) > 1 else 0.0))
    runs: list[tuple[float, float, int]] = []
    start = 0
    for index in range(1, len(time) + 1):
        if index == len(time) or not _same(hashes[index], hashes[start]):
            if not np.isnan(hashes[start]):
                begin = float(time[start])
                runs.append((begin, float(ends[index - 1]) - begin, int(hashes[start])))
            start = index
    return runs


def _same(a: float, b: float) -> bool:
    return bool(a == b or (np.isnan(a) and np.isnan(b)))


def _draw_regions(ax: Axes, traces: Sequence[Trace], names: dict[int, str]) -> None:
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    per_trace = []
    order: list[int] = []
    for trace in traces:
        hashes = trace.region_hash()
        runs = _segments(trace.time, hashes) if hashes is not None else []
        per_trace.append(runs)
        for _, _, region in runs:
            if region not in order:
                order.append(region)
    # Named regions first, in order of appearance; the unmarked time in grey.
    # Not the hosts' palette (tab10): a region's colour must not read as a host.
    palette = colormaps["Set2" if len(order) <= 9 else "tab20b"]
    colors: dict[int, Color] = {}
    for region in order:
        if region == REGION_HASH_UNMARKED:
            colors[region] = "0.85"
        else:
            named = len([other for other in colors if other != REGION_HASH_UNMARKED])
            colors[region] = palette(named % palette.N)
    for lane, runs in enumerate(per_trace):
        for region in order:
            bars = [(start, width) for start, width, hash_ in runs if hash_ == region]
            if bars:
                ax.broken_barh(bars, (lane - 0.4, 0.8), facecolors=colors[region], linewidth=0)
    ax.set_yticks(range(len(traces)), [trace.host for trace in traces], fontsize="small")
    ax.set_ylim(len(traces) - 0.5, -0.5)
    ax.set_ylabel("region")
    ax.grid(True, axis="x", alpha=0.3)
    handles = [
        Patch(facecolor=colors[region], label=names.get(region, f"0x{region:08x}"))
        for region in order
    ]
    ncol = 1 + len(handles) // 16
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        title="region",
        fontsize="small",
        ncol=ncol,
    )
