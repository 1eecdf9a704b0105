"""The driver both aiohttp peers share: flags, an asyncio.Semaphore holding N requests in
flight, failures counted, and one ClientReport JSON line on stdout. A peer supplies
measure(session, url, body, start) -> (seconds to its first token, tokens counted), raising
on a failed request; the two peers differ only in how they read the stream."""
import argparse
import asyncio
import json
import resource
import time

import aiohttp


async def _one(measure, session, url, body, sem, stats):
    async with sem:
        start = time.perf_counter()
        try:
            first, count = await measure(session, url, body, start)
        except Exception as error:  # noqa: BLE001 - every failure is counted, as the original tool does
            stats["errors"] += 1
            stats.setdefault("error_sample", str(error) or type(error).__name__)
            return
        stats["ok"] += 1
        stats["tokens"] += count
        stats["ttft_ms"].append(first * 1000)


async def _main(measure):
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("-n", type=int, required=True)
    parser.add_argument("-c", type=int, required=True)
    parser.add_argument("--body", default="{}")
    args = parser.parse_args()
    body = json.loads(args.body)
    stats = {"ok": 0, "errors": 0, "tokens": 0, "ttft_ms": []}
    sem = asyncio.Semaphore(args.c)
    # The connector's default limit (100) would queue requests behind the semaphore: allow N.
    connector = aiohttp.TCPConnector(limit=args.c)
    timeout = aiohttp.ClientTimeout(total=300)
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(_one(measure, session, args.url, body, sem, stats) for _ in range(args.n)))
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    report = {
        "ok": stats["ok"],
        "errors": stats["errors"],
        "wall_s": wall,
        "output_tokens": stats["tokens"],
        "ttft_ms": stats["ttft_ms"],
        "cpu_ms": cpu * 1000,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    if "error_sample" in stats:
        report["error_sample"] = stats["error_sample"]
    print(json.dumps(report), flush=True)



def run(measure):
    asyncio.run(_main(measure))
