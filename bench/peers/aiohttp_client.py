"""A JSON-parsing aiohttp peer: aiohttp with an asyncio.Semaphore holding N
requests in flight, TTFT at the first SSE line whose choices[0].delta.content
is non-empty (each event parsed with json.loads). The original tool's own method,
raw chunks and no parsing, is aiohttp_raw_client.py. Prints one ClientReport
JSON line.

    /usr/bin/python3 bench/peers/aiohttp_client.py --url URL -n 100 -c 10 --body '{...}'

Needs Debian's python3-aiohttp (apt-get install python3-aiohttp).
"""
import argparse
import asyncio
import json
import resource
import time

import aiohttp


async def one(session, url, body, sem, stats):
    async with sem:
        start = time.perf_counter()
        first = None
        count = 0
        try:
            async with session.post(url, json=body) as resp:
                async for line in resp.content:
                    if not line.startswith(b"data: ") or line.startswith(b"data: [DONE]"):
                        continue
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    if (choices[0].get("delta") or {}).get("content"):
                        if first is None:
                            first = time.perf_counter() - start
                        count += 1
                if resp.status != 200 or first is None:
                    raise RuntimeError(f"status {resp.status}, {count} tokens")
        except Exception as error:  # noqa: BLE001 - every failure is counted, as the original tool does
            stats["errors"] += 1
            stats.setdefault("error_sample", str(error) or type(error).__name__)
            return
        stats["ok"] += 1
        stats["tokens"] += count
        stats["ttft_ms"].append(first * 1000)


async def main():
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
        await asyncio.gather(*(one(session, args.url, body, sem, stats) for _ in range(args.n)))
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


if __name__ == "__main__":
    asyncio.run(main())
