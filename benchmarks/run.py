"""Benchmarks of the quarterly refresh (issues 6 and 21), run on demand: `make benchmark` or
`.venv/bin/python benchmarks/run.py [--scales 1 10 30] [--runs 3 1]`.

For each scale it generates the default six financial years with `vawg sample` (kept in the
work folder and reused), then times, as the median of `--runs` runs:
- the full refresh from nothing (and its stages, from the Dagster step timings in its log:
  load and validate, dbt, the indicators model inside dbt, publication), with the peak
  memory of the whole process tree (the refresh, dbt and the spreadsheet writer);
- a refresh after one new quarter lands on an existing warehouse;
- `vawg validate`;
- the full refresh with the landing files validated in one process (`VAWG_LOAD_WORKERS=1`),
  to compare the load with its workers in the same run (issue 21);
- the floor (`benchmarks/floor_police.sql`, plain DuckDB on the police CSVs) and a refresh of
  the police extract alone, the pipeline's time for the same work.
The table goes to docs/performance.md with the machine, the commit and the rows of each source,
and, across the scales, time and peak memory with the ratios between them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from pipelines.compare import differing_tables

ROOT = Path(__file__).resolve().parents[1]
VAWG = str(Path(sys.executable).with_name("vawg"))
STEP = re.compile(r" - (\S+) - STEP_SUCCESS - Finished execution of step \"[^\"]+\" in ([\d.]+)(ms|s|m\d+s)?")
DBT_MODEL = re.compile(r"OK created python table model marts\.indicators .*? in ([\d.]+)s")


# --------------------------------------------------------------------------- measuring


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        ppid = int(re.search(r"PPid:\s+(\d+)", status).group(1))
        children.setdefault(ppid, []).append(pid)
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[pid] = int(found.group(1)) if found else 0
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def timed(command: list[str], env: dict | None = None) -> dict:
    """Run a command; wall seconds, exit code and the peak RSS of its process tree (sampled)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
    )
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    # CPU of the command and of every process it waited for (the landing workers, dbt).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # The 1-minute load average at the end: other work on the machine inflates every figure.
    return {
        "seconds": seconds,
        "exit": proc.returncode,
        "peak_rss_mb": peak[0] / 1024,
        "cpu_seconds": cpu,
        "output": output,
        "load": os.getloadavg()[0],
    }


def _seconds(amount: str, unit: str | None) -> float:
    if unit == "ms":
        return float(amount) / 1000
    if unit and unit.startswith("m"):  # Dagster writes 1m24s as amount=1, unit=m24s
        return float(amount) * 60 + float(unit[1:-1])
    return float(amount)


def stage_times(log_file: Path) -> dict:
    text = log_file.read_text(encoding="utf-8", errors="replace")
    stages = {"load_and_validate": 0.0, "dbt": 0.0, "indicators_model": 0.0, "publication": 0.0}
    for step, amount, unit in STEP.findall(text):
        seconds = _seconds(amount, unit)
        if step.endswith(("_landing", "_validated")):
            stages["load_and_validate"] += seconds
        elif step == "vawg_dbt_models":
            stages["dbt"] += seconds
        elif step == "panel_publication":
            stages["publication"] += seconds
    found = DBT_MODEL.search(text)
    stages["indicators_model"] = float(found.group(1)) if found else float("nan")
    return stages


def refresh(landing: Path, out: Path, quality_may_fail: bool = False, env: dict | None = None) -> dict:
    """`quality_may_fail`: a landing folder of one source has no figures for the other sources'
    indicators, so the quality suite refuses the publication at its very end; the refresh has
    done all its work by then, and its time still counts."""
    result = timed(
        [
            VAWG,
            "refresh",
            "--landing",
            str(landing),
            "--warehouse",
            str(out / "warehouse.duckdb"),
            "--publish",
            str(out / "publish"),
        ],
        env,
    )
    refused = (
        quality_may_fail and result["exit"] == 1 and "failed its quality checks" in " ".join(result["output"].split())
    )
    if result["exit"] not in (0, 3) and not refused:
        raise SystemExit(f"refresh failed ({result['exit']}):\n{result['output'][-3000:]}")
    logs = sorted((out / "logs").glob("refresh-*.log"))
    result["stages"] = stage_times(logs[-1])
    return result


def linked_landing(source: Path, target: Path, keep=lambda path: True) -> Path:
    """A landing folder of symbolic links to some of `source`'s files (no copying)."""
    shutil.rmtree(target, ignore_errors=True)
    for file in source.rglob("*"):
        if file.is_file() and keep(file):
            link = target / file.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(file.resolve())
    return target


def floor(landing: Path) -> float:
    con = duckdb.connect()
    con.execute(f"set variable landing = '{landing}'; set variable seeds = '{ROOT / 'seeds'}'")
    start = time.perf_counter()
    con.execute((ROOT / "benchmarks" / "floor_police.sql").read_text())
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def median(values) -> float:
    return statistics.median(values)


# --------------------------------------------------------------------------- one scale


def bench_scale(scale: float, runs: int, work: Path) -> dict:
    base = work / f"scale-{scale:g}"
    landing = base / "landing"
    if not (landing / ".complete").exists():
        sample = timed([VAWG, "sample", "--landing", str(landing), "--scale", f"{scale:g}"])
        if sample["exit"] != 0:
            raise SystemExit(sample["output"])
        (landing / ".complete").write_text(f"{sample['seconds']:.1f}\n")
    quarters = sorted({p.stem[:7] for p in landing.rglob("*") if re.match(r"\d{4}-\d{2}", p.stem)})
    last = quarters[-1]
    result: dict = {"scale": scale, "runs": runs, "last_quarter": last}

    def save():
        (base / "partial.json").write_text(json.dumps(result, default=str, indent=1))

    # vawg validate
    result["validate"] = [timed([VAWG, "validate", "--landing", str(landing)])["seconds"] for _ in range(runs)]
    save()

    # Full refreshes from nothing.
    fulls = []
    for k in range(runs):
        out = base / f"full-{k}"
        shutil.rmtree(out, ignore_errors=True)
        fulls.append(refresh(landing, out))
        print(f"scale {scale:g} full refresh {k + 1}/{runs}: {fulls[-1]['seconds']:.1f}s", flush=True)
    result["full"] = fulls
    with duckdb.connect(str(base / f"full-{runs - 1}" / "warehouse.duckdb"), read_only=True) as con:
        result["rows"] = (
            con.sql("""
            select source, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from audit.loads where status = 'accepted' group by source order by source""")
            .pl()
            .to_dicts()
        )
        result["indicator_rows"] = con.sql("select count(*) from marts.indicators").fetchall()[0][0]
    save()
    for k in range(runs - 1):  # keep the last full run's folders only
        shutil.rmtree(base / f"full-{k}", ignore_errors=True)

    # The same refresh with every landing file validated in the refresh's own process.
    out = base / "one-worker"
    shutil.rmtree(out, ignore_errors=True)
    result["one_worker"] = [refresh(landing, out, env={"VAWG_LOAD_WORKERS": "1"})]
    shutil.rmtree(out, ignore_errors=True)
    print(f"scale {scale:g} full refresh, one worker: {result['one_worker'][0]['seconds']:.1f}s", flush=True)
    save()

    # The police files' landing alone, one process against the workers: the cores each uses.
    result["landing_police"] = {
        workers: timed(
            [sys.executable, str(ROOT / "benchmarks" / "land_source.py"), str(landing), "mps_crimes"],
            env={"VAWG_LOAD_WORKERS": workers},
        )
        for workers in ("1", str(os.cpu_count()))
    }
    save()

    # One new quarter on an existing warehouse: build without the last quarter once, then time
    # the refresh that lands it, each run from a copy of that state put back at the same path
    # (an operator's warehouse stays where it is; dbt's kept parse names the path: decision 0018).
    work_dir, before = base / "increment", base / "before-last-quarter"
    shutil.rmtree(work_dir, ignore_errors=True)
    refresh(linked_landing(landing, work_dir / "landing", lambda p: not p.stem.startswith(last)), work_dir)
    shutil.rmtree(before, ignore_errors=True)
    shutil.copytree(work_dir, before, symlinks=True)
    increments = []
    for k in range(runs):
        if k:
            shutil.rmtree(work_dir, ignore_errors=True)
            shutil.copytree(before, work_dir, symlinks=True)
        linked_landing(landing, work_dir / "landing")
        increments.append(refresh(work_dir / "landing", work_dir))
        if k == 0:  # the incremental refresh must build exactly what a refresh from scratch builds
            compared, differing = differing_tables(
                work_dir / "warehouse.duckdb", base / f"full-{runs - 1}" / "warehouse.duckdb"
            )
            result["increment_compared"] = {"tables": compared, "differing": differing}
        print(f"scale {scale:g} one new quarter {k + 1}/{runs}: {increments[-1]['seconds']:.1f}s", flush=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    result["increment"] = increments
    save()

    # The floor and the pipeline on the same work (the police extract alone).
    result["floor"] = [floor(landing) for _ in range(runs)]
    police = []
    for k in range(runs):
        out = base / f"police-{k}"
        shutil.rmtree(out, ignore_errors=True)
        police.append(
            refresh(
                linked_landing(landing, out / "landing", lambda p: "mps_crimes" in p.parts), out, quality_may_fail=True
            )
        )
        shutil.rmtree(out, ignore_errors=True)
    result["police_only"] = police
    save()
    return result


# --------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _fmt(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds:.1f} s ({seconds / 60:.1f} min)"


def render(results: list[dict], info: dict) -> str:
    lines = [
        "Written by `benchmarks/run.py` (run on demand: `make benchmark`). Medians of the runs shown;",
        "every refresh is `vawg refresh` as an operator runs it (a fresh process, Dagster in-process,",
        "dbt as a subprocess). Peak memory is the resident memory of the whole process tree, sampled",
        "every 0.2 s.",
        "",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; Python {info['python']}, "
        f"DuckDB {info['duckdb']}",
        f"- Commit: {info['commit']}; measured {info['date']}",
        "",
    ]
    for r in results:
        s = r["scale"]
        full = r["full"]
        lines += [
            f"## Scale {s:g} ({r['runs']} runs each)",
            "",
            "| source | files | rows read | rows loaded | rows quarantined |",
            "|---|--:|--:|--:|--:|",
        ]
        for row in r["rows"]:
            read, loaded, quarantined = (int(row[k]) for k in ("rows_read", "rows_loaded", "rows_quarantined"))
            lines.append(f"| {row['source']} | {row['files']} | {read:,} | {loaded:,} | {quarantined:,} |")
        lines += [
            "",
            f"`marts.indicators`: {r['indicator_rows']:,} rows.",
            "",
            "| measure | median | runs |",
            "|---|--:|---|",
        ]

        def row(name, values, out=lines):  # bound now: ruff B023 (a closure over a loop variable)
            if not values:  # a run stopped before this measure (see --report-only)
                out.append(f"| {name} | not measured | |")
                return
            out.append(f"| {name} | {_fmt(median(values))} | {', '.join(f'{v:.1f}' for v in values)} |")

        row("full refresh", [f["seconds"] for f in full])
        for stage in ("load_and_validate", "dbt", "indicators_model", "publication"):
            row(
                f"— {stage.replace('_', ' ')}" + (" (inside dbt)" if stage == "indicators_model" else ""),
                [f["stages"][stage] for f in full],
            )
        row(
            "— load and validate, landing files in one process (`VAWG_LOAD_WORKERS=1`)",
            [f["stages"]["load_and_validate"] for f in r.get("one_worker", [])],
        )
        row(f"one new quarter ({r['last_quarter']}) on an existing warehouse", _seconds_of(r, "increment"))
        row("`vawg validate`", r.get("validate", []))
        row("floor: plain DuckDB script, police indicators", r.get("floor", []))
        row(
            "refresh of the police extract alone (same work as the floor, plus publication)",
            _seconds_of(r, "police_only"),
        )
        landing = r.get("landing_police", {})
        if landing:
            lines += ["", "Landing the police files alone (`benchmarks/land_source.py`: read, validate, store):", ""]
            lines += [
                f"- {'one process' if w == '1' else f'{w} workers'}: {m['seconds']:.1f} s, "
                f"{m['cpu_seconds']:.1f} s of CPU: {_cores(m)} of {os.cpu_count()} cores on average"
                for w, m in landing.items()
            ]
        cpu = [f for f in full if "cpu_seconds" in f]
        if cpu:
            lines += ["", f"Cores used by a full refresh on average: {_cores(cpu[-1])} of {os.cpu_count()}."]
        peak = max(f["peak_rss_mb"] for f in full)
        loads = [f["load"] for f in [*full, *r.get("increment", []), *r.get("police_only", [])] if "load" in f]
        if loads:
            low, high = f"{min(loads):.1f}", f"{max(loads):.1f}"
            lines += [
                "",
                f"Load average (1 min) at the end of the timed refreshes: "
                f"{low if low == high else low + '–' + high} on {os.cpu_count()} cores.",
            ]
        lines += ["", f"Peak memory of a full refresh: {peak:,.0f} MB."]
        if r.get("police_only") and r.get("floor"):
            lines[-1] += f" Police refresh / floor: {median(_seconds_of(r, 'police_only')) / median(r['floor']):.1f}×."
        if r.get("increment"):
            lines[-1] += (
                f" One new quarter / full refresh: "
                f"{100 * median(_seconds_of(r, 'increment')) / median([f['seconds'] for f in full]):.0f}%."
            )
        if r.get("increment_compared"):
            c = r["increment_compared"]
            lines += [
                "",
                f"The first one-new-quarter warehouse against the last full refresh's, table by table "
                f"(`pipelines/compare.py`): {c['tables']} tables compared, "
                + (
                    f"**{len(c['differing'])} differ: {', '.join(c['differing'])}**."
                    if c["differing"]
                    else "all the same."
                ),
            ]
        lines.append("")
    return "\n".join(lines) + growth(results) + "\n"


def growth(results: list[dict]) -> str:
    """Time and peak memory of the full refresh at each scale, with the ratios to the first
    scale and to the scale before (issue 21: linear growth, memory flat)."""
    if len(results) < 2:
        return ""
    lines = [
        "",
        "## Growth with the rows",
        "",
        "| scale | police rows read | full refresh | × first scale | × scale before | peak memory "
        "| × first scale | × scale before |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    first = previous = None
    for r in sorted(results, key=lambda r: r["scale"]):
        seconds = median([f["seconds"] for f in r["full"]])
        peak = max(f["peak_rss_mb"] for f in r["full"])
        police = sum(int(row["rows_read"]) for row in r["rows"] if row["source"] == "mps_crimes")
        first = first or (seconds, peak)
        ratios = [
            f"{seconds / first[0]:.2f}×",
            f"{seconds / previous[0]:.2f}×" if previous else "",
            f"{peak:,.0f} MB",
            f"{peak / first[1]:.2f}×",
            f"{peak / previous[1]:.2f}×" if previous else "",
        ]
        lines.append(f"| {r['scale']:g} | {police:,} | {_fmt(seconds)} | " + " | ".join(ratios) + " |")
        previous = (seconds, peak)
    return "\n".join(lines) + "\n"


def _cores(measure: dict) -> str:
    return f"{measure['cpu_seconds'] / measure['seconds']:.2f}"


def _seconds_of(result: dict, measure: str) -> list[float]:
    return [f["seconds"] for f in result.get(measure, [])]


def targets(results: list[dict]) -> str:
    """The targets of issue 6, each met or not, from the medians."""
    by_scale = {r["scale"]: r for r in results}

    def full(r):
        return median([f["seconds"] for f in r["full"]])

    rows = []
    if 1 in by_scale:
        rows.append(("Full refresh at scale 1 ≤ 60 s", _fmt(full(by_scale[1])), full(by_scale[1]) <= 60))
    if 10 in by_scale:
        r = by_scale[10]
        peak = max(f["peak_rss_mb"] for f in r["full"])
        rows += [
            ("Full refresh at scale 10 ≤ 6 min", _fmt(full(r)), full(r) <= 360),
            ("Peak memory at scale 10 ≤ 4 GB", f"{peak:,.0f} MB", peak <= 4096),
        ]
        if r.get("police_only") and r.get("floor"):
            ratio = median(_seconds_of(r, "police_only")) / median(r["floor"])
            rows.append(("Scale 10 police refresh ≤ 3 × the floor", f"{ratio:.1f}×", ratio <= 3))
        else:
            rows.append(("Scale 10 police refresh ≤ 3 × the floor", "not measured", None))
        if r.get("increment"):
            share = median(_seconds_of(r, "increment")) / full(r)
            rows.append(("One new quarter at scale 10 ≤ 30% of a full refresh", f"{100 * share:.0f}%", share <= 0.3))
        else:
            rows.append(("One new quarter at scale 10 ≤ 30% of a full refresh", "not measured", None))
        if 1 in by_scale:
            growth = full(r) / full(by_scale[1])
            rows.append(("Scale 10 ≤ 10 × scale 1", f"{growth:.1f}×", growth <= 10))
    # Issue 21: the same memory budget at every scale, the load on both cores, closer to the floor.
    for scale, r in sorted(by_scale.items()):
        peak = max(f["peak_rss_mb"] for f in r["full"])
        rows.append((f"Peak memory at scale {scale:g} ≤ 4 GB (issue 21)", f"{peak:,.0f} MB", peak <= 4096))
    if 10 in by_scale:
        r = by_scale[10]
        if r.get("one_worker"):
            share = median([f["stages"]["load_and_validate"] for f in r["full"]]) / median(
                [f["stages"]["load_and_validate"] for f in r["one_worker"]]
            )
            rows.append(
                ("Scale 10 load and validate ≤ 60% of one process's (issue 21)", f"{100 * share:.0f}%", share <= 0.6)
            )
        if r.get("police_only") and r.get("floor"):
            ratio = median(_seconds_of(r, "police_only")) / median(r["floor"])
            rows.append(("Scale 10 police refresh ≤ 1.5 × the floor (issue 21)", f"{ratio:.1f}×", ratio <= 1.5))
    lines = ["## Targets", "", "| target | measured | met |", "|---|--:|---|"]
    lines += [
        f"| {name} | {value} | {'not measured' if ok is None else 'yes' if ok else '**no**'} |"
        for name, value, ok in rows
    ]
    return "\n".join(lines) + "\n"


START, END = "<!-- measured: start (benchmarks/run.py writes this part) -->", "<!-- measured: end -->"


def write_measured(path: Path, measured: str) -> None:
    """Replace the measured part of the file, keeping the analysis written around it."""
    text = path.read_text(encoding="utf-8") if path.exists() else f"{START}\n{END}\n"
    if START not in text:
        text = f"{START}\n{END}\n\n" + text
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{measured}{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 30])
    parser.add_argument(
        "--runs",
        type=int,
        nargs="+",
        default=[3, 1, 1],
        help="runs per scale, in the order of --scales (the last repeats)",
    )
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "benchmarks")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the table from the work folder's saved results (partial.json of each "
        "scale, kept after every measure) without running anything",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        results = [json.loads((args.work / f"scale-{s:g}" / "partial.json").read_text()) for s in args.scales]
        results = [r for r in results if r.get("full")]
        write_measured(args.output, render(results, machine()) + targets(results))
        print(f"Wrote {args.output}")
        return
    results = []
    for k, scale in enumerate(args.scales):
        results.append(bench_scale(scale, args.runs[min(k, len(args.runs) - 1)], args.work))
        (args.work / "results.json").write_text(
            json.dumps([{k: v for k, v in r.items()} for r in results], default=str, indent=1)
        )
    write_measured(args.output, render(results, machine()) + targets(results))
    print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
