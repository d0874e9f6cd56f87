"""The benchmark's Markdown, rendered from its JSON results (so old results can be re-rendered)."""

from __future__ import annotations

from typing import Any

from edge.bench.report import md_table


def _ms(summary: dict[str, Any] | None, key: str) -> float | None:
    return None if summary is None else summary.get(key)


def _pct(fraction: float | None) -> str | None:
    return None if fraction is None else f"{100 * fraction:.1f} %"


def _cpu_line(cpu: dict[str, Any] | None) -> str:
    if not cpu or cpu.get("machine_percent") is None:
        return "machine CPU use unknown"
    return (f"the machine's CPUs were {cpu['machine_percent']:.0f} % busy, {cpu['own_percent']:.0f} % by this run, "
            f"{cpu['others_percent']:.0f} % by other processes")


def bench_markdown(data: dict[str, Any]) -> str:
    machine = data["machine"]
    blas = machine["blas"]
    out = [
        f"## Benchmark{' (quick)' if data.get('quick') else ''}\n",
        f"Command: `{data['command']}` ({data.get('seconds', 0):.0f} s, {data['date']})\n",
        f"Machine: {machine['cpu_model']}, {machine['cores']} core(s); Python {machine['python']}, "
        f"numpy {machine['numpy']}, ai-edge-litert {machine['litert']}; BLAS {blas['name']}"
        f"{', ' + blas['core'] + ' kernels' if blas.get('core') else ''}"
        f"{''.join(f', {k}={v}' for k, v in blas.get('environment', {}).items())}. "
        f"During the run: {_cpu_line(data.get('cpu'))}; load average (1/5/15 min) before {data['load_before']}, "
        f"after {data['load_after']}.\n",
        "### Peak arithmetic rate (numpy float32 matmul, best of several)\n",
        md_table(
            ["threads", "matrix", "best ms", "GFLOP/s"],
            [[p["threads"], f"{p['n']}x{p['n']}", p["best_s"] * 1000.0, p["gflops"]] for p in data["peak_matmul"]],
        ),
        "\n### Networks (XNNPACK, `TFLiteModel.run` on a rectified board frame)\n",
    ]
    rows = []
    for t in [*data["detector"], *data["reference"]]:
        lat = t["latency_ms"]
        rows.append([
            t["label"], t["threads"], lat["p50"], lat["p95"], t["gflop"], t["achieved_gflops"],
            _pct(t.get("peak_fraction")), t.get("vs_reference"),
        ])
    out.append(md_table(
        ["network", "threads", "p50 ms", "p95 ms", "GFLOP / frame", "achieved GFLOP/s", "of peak (same threads)",
         "latency / reference"],
        rows,
    ))
    out.append("\nGFLOP counts 2 x the multiply-accumulates of convolutions and dense layers "
               "(`edge.runtime.cost`); int8 networks do integer arithmetic, so their \"of peak\" compares "
               "against the float32 matmul rate. The reference is a MobileNetV2-SSDLite 320 int8 with random "
               "weights, timed only.\n")
    pipe = data.get("pipeline")
    if pipe is not None:
        out.append(f"\n### Full pipeline ({pipe['frames']} frames of `{pipe['recording'].rsplit('/', 1)[-1]}`, "
                   f"{pipe['model'].rsplit('/', 1)[-1]}, {pipe['threads']} threads, publishing to a local mosquitto)\n")
        out.append(md_table(
            ["frames/s", "frame p50 ms", "frame p95 ms", "detect p50 ms", "events published",
             "frame -> publish p50 ms", "p95", "frame -> subscriber p50 ms", "p95"],
            [[pipe["fps"], _ms(pipe["frame_ms"], "p50"), _ms(pipe["frame_ms"], "p95"), _ms(pipe["detect_ms"], "p50"),
              pipe["events"], _ms(pipe["frame_to_publish_ms"], "p50"), _ms(pipe["frame_to_publish_ms"], "p95"),
              _ms(pipe["frame_to_receipt_ms"], "p50"), _ms(pipe["frame_to_receipt_ms"], "p95")]],
        ))
        follow = pipe.get("follow")
        if follow is not None:
            out.append("\n### Board-follow latency (hand leaves the board -> move published)\n")
            out.append(md_table(
                ["moves done", "moves followed", "frames p50", "frames p95", "frames max",
                 f"ms p50 (at {follow['recording_fps']:g} fps)", "ms p95", "ms max"],
                [[follow["moves_done"], follow["moves_followed"], follow["frames"]["p50"], follow["frames"]["p95"],
                  follow["frames"]["max"], follow["ms"]["p50"], follow["ms"]["p95"], follow["ms"]["max"]]],
            ))
            out.append("\nFrames from the first calm frame with the move on the board (truth file) to the frame "
                       "whose processing emitted the move; ms on the recording's frame clock, to which a live "
                       "board adds one frame's processing time (frame p50 above).\n")
    return "\n".join(out)
