"""A JSON-parsing aiohttp peer: aiohttp with an asyncio.Semaphore holding N
requests in flight, TTFT at the first SSE line whose choices[0].delta.content
is non-empty (each event parsed with json.loads). The original tool's own method,
raw chunks and no parsing, is aiohttp_raw_client.py. Prints one ClientReport
JSON line.

    /usr/bin/python3 bench/peers/aiohttp_client.py --url URL -n 100 -c 10 --body '{...}'

Needs Debian's python3-aiohttp (apt-get install python3-aiohttp).
"""
import json
import time

from aiohttp_peer import run


async def measure(session, url, body, start):
    first = None
    count = 0
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
    return first, count


if __name__ == "__main__":
    run(measure)
