"""``ovirt-node-bench``: the boot-storm benchmark (floor, first boot, reboot, churn; scaling).

It starts its own server processes on a scratch database, drives them from client processes and
prints a summary table; ``--json FILE`` keeps the raw numbers. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import sys

from ovirt_node_config.scripts import needs_extra

from ovirt_node_config import release

with needs_extra("ovirt-node-bench", "bench"):
    from ovirt_node_config.rpc import cpu_affinity
    from tqdm import tqdm

    from ovirt_node_config.bench.console_pages import time_pages
    from ovirt_node_config.bench.planning import compare as compare_templates
    from ovirt_node_config.bench.planning import plan_fleet
    from ovirt_node_config.bench.runner import PG_DEFAULT, PG_ENV, BenchOptions, run
    from ovirt_node_config.bench.stats import table
    from ovirt_node_config.errors import NodeConfigError


PROG = "ovirt-node-bench"


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of sizes: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("sizes must be whole numbers of at least 1")
    return values


def build_parser() -> argparse.ArgumentParser:
    defaults = BenchOptions()
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    parser.add_argument("--version", action="version", version=f"%(prog)s {release()}")
    parser.add_argument(
        "--nodes", type=positive, default=defaults.nodes, help=f"fleet size N (default {defaults.nodes})"
    )
    parser.add_argument(
        "--concurrency",
        type=positive,
        default=defaults.concurrency,
        help=f"concurrent keep-alive connections C (default {defaults.concurrency})",
    )
    parser.add_argument(
        "--database",
        default=defaults.database,
        metavar="sqlite|postgresql|URL",
        help=f"sqlite: a scratch file; postgresql: a scratch database on ${PG_ENV} "
        f"(default {PG_DEFAULT}), dropped afterwards; or a URL (default sqlite)",
    )
    parser.add_argument(
        "--servers",
        type=positive,
        default=defaults.servers,
        help="server processes on the one database, clients spread over them (default 1)",
    )
    parser.add_argument(
        "--client-processes",
        dest="processes",
        type=positive,
        default=defaults.processes,
        help=f"client processes the connections are spread over (default {defaults.processes})",
    )
    parser.add_argument(
        "--fleet-size",
        dest="fleet_sizes",
        type=sizes,
        default=[],
        metavar="SIZES",
        help="also run the reboot phase at these database sizes, e.g. 100,100000",
    )
    parser.add_argument(
        "--server-processes",
        type=positive,
        default=defaults.server_processes,
        help="processes per server (its --processes; default 1)",
    )
    parser.add_argument("--workers", type=positive, default=defaults.workers, help="server worker threads")
    parser.add_argument(
        "--cpu-affinity",
        choices=cpu_affinity.CHOICES,
        default=defaults.cpu_affinity,
        help="the servers' --cpu-affinity (default auto: each of several processes on a CPU of its own)",
    )
    parser.add_argument(
        "--idle-connections",
        type=int,
        default=0,
        metavar="N",
        help="hold N idle keep-alive connections open through the phases (default 0)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="fleet seed (default 1)")
    parser.add_argument("--json", metavar="FILE", help="write the raw numbers to FILE")
    parser.add_argument(
        "--plan-template",
        metavar="FILE",
        help="instead of the boot storm: time planning this network template (JSON) on each of --nodes",
    )
    parser.add_argument(
        "--networks",
        metavar="FILE",
        help="with --plan-template: logical networks (JSON: name -> settings) defined before planning",
    )
    parser.add_argument(
        "--against",
        metavar="FILE",
        help="with --plan-template: plan this template too on the same fleet, alternated --runs times, "
        "and print the ratio of their medians",
    )
    parser.add_argument(
        "--runs", type=int, default=9, metavar="N", help="with --against: alternated runs (default 9)"
    )
    parser.add_argument(
        "--console-pages",
        action="store_true",
        help="instead of the boot storm: time the web console's fleet page over --nodes nodes",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=0,
        metavar="K",
        help="after the storm, K more rounds of floor, reboot and check, each phase's CPU per call "
        "over its own round's floor; prints the median and spread (a drifting machine)",
    )
    parser.add_argument(
        "--use-cases",
        action="store_true",
        help="with --plan-template: plan node by node through the use cases (the slower authority)",
    )
    return parser


class Progress:
    def __init__(self):
        self.bar = None

    def __call__(self, description: str, total: int):
        if self.bar is not None:
            self.bar.close()
        self.bar = tqdm(total=total, desc=f"{description:>14}", unit="job", file=sys.stderr, leave=False)
        return self.bar.update

    def close(self):
        if self.bar is not None:
            self.bar.close()


def print_summary(result: dict) -> None:
    storm = result["storm"]
    options = result["options"]
    print(
        f"\nboot storm: {options['nodes']} nodes, C={options['concurrency']}, "
        f"database {options['database']}, {options['servers']} server(s) of "
        f"{options['server_processes']} process(es), CPU affinity {options['cpu_affinity']}; "
        f"{storm['bonds_configured']} bonds; {storm['churned_nodes']} nodes churned; "
        f"{storm['idle_connections']} idle connections held"
    )
    print(table(storm["phases"]))
    check = storm["row_check"]
    by_state = ", ".join(f"{n} {state}" for state, n in check["states"].items())
    print(
        f"\nrow check: {check['hosts']}/{check['expected_hosts']} hosts, "
        f"{check['nics']}/{check['expected_nics']} NICs, {check['duplicate_macs']} duplicate MACs, "
        f"{check['hosts_with_wrong_nics']} hosts with wrong NICs; states: "
        f"{by_state}: {'OK' if check['ok'] else 'FAILED'}"
    )
    repeated = storm.get("repeated")
    if repeated is not None:
        print(f"\nrepeated rounds, each phase over its own round's floor ({repeated['errors']} errors):")
        for name in ("reboot", "check"):
            if name in repeated:
                shown = ", ".join(f"{ratio:g}" for ratio in repeated[name]["ratios"])
                print(f"  {name:7} CPU/call ÷ floor: median {repeated[name]['median']:g} ({shown})")
    if "scaling" in result:
        scaling = result["scaling"]
        print("\nfleet-size scaling (reboot of the same sample of nodes):")
        print(table([row["floor"] for row in scaling["sizes"]] + [row["reboot"] for row in scaling["sizes"]]))
        print(f"reboot p50 latency, largest / smallest fleet: {scaling['p50_ratio_largest_to_smallest']}")


def plan_template(args: argparse.Namespace) -> int:
    try:
        design = _json_file(args.plan_template)
        networks = _json_file(args.networks) if args.networks else {}
        if args.against:
            result = compare([_json_file(args.against), design], args.nodes, args, networks)
            for name, ms in result["per_node_ms"].items():
                print(
                    f"{name}: {ms['median']} ms per node at the median of {result['runs']}, best {ms['best']}"
                )
            ratio = result["median_over_first"][template_name(design)]
            print(f"{template_name(design)} / {template_name(_json_file(args.against))}: {ratio}")
            return 0
        with tqdm(total=args.nodes, desc="planning", unit="node", file=sys.stderr, leave=False) as bar:
            result = plan_fleet(
                args.database, args.nodes, design, args.seed, bar.update, use_cases=args.use_cases,
                networks=networks,
            )  # fmt: skip
    except (OSError, ValueError, NodeConfigError) as exc:
        print(f"{PROG}: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 1
    print(
        f"planned {result['template']} on {result['nodes']} nodes in {result['total_s']} s: "
        f"{result['per_node_ms']} ms per node ({result['path']}); "
        + ", ".join(f"{count} {what}" for what, count in result["outcomes"].items())
        + (f"; {result['addresses']} distinct addresses shown" if "addresses" in result else "")
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    return 0


def _json_file(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def compare(designs: list[dict], nodes: int, args: argparse.Namespace, networks: dict) -> dict:
    result = compare_templates(args.database, nodes, designs, args.seed, networks, args.runs)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    return result


def template_name(design: dict) -> str:
    return str(design.get("name", ""))


def console_pages(args: argparse.Namespace) -> int:
    print(f"loading {args.nodes} nodes...", file=sys.stderr)
    result = time_pages(args.database, args.nodes, args.seed)
    print(f"the fleet page over {result['nodes']} nodes (median of 5 reads, counts by state included):")
    for name, ms in result["pages_ms"].items():
        print(f"  {name:32} {ms:8.1f} ms")
    print(f"  {'(a recount by state, every 5 s)':32} {result['recount_ms']:8.1f} ms")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.plan_template:
        return plan_template(args)
    if args.console_pages:
        return console_pages(args)
    options = BenchOptions(
        nodes=args.nodes,
        concurrency=args.concurrency,
        database=args.database,
        servers=args.servers,
        processes=args.processes,
        fleet_sizes=args.fleet_sizes,
        workers=max(args.workers, args.concurrency),
        server_processes=args.server_processes,
        cpu_affinity=args.cpu_affinity,
        idle_connections=args.idle_connections,
        seed=args.seed,
        repeat=args.repeat,
    )
    progress = Progress()
    try:
        result = run(options, progress)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a benchmark that cannot run says why in one line
        print(
            f"{PROG}: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
            file=sys.stderr,
        )
        return 1
    finally:
        progress.close()
    print_summary(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    errors = sum(phase["errors"] for phase in result["storm"]["phases"])
    return 0 if errors == 0 and result["storm"]["row_check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
