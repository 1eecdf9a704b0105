"""The original tool's method as a benchmark peer: aiohttp with an
asyncio.Semaphore holding N requests in flight, the body read as raw chunks
(iter_any), TTFT at the first chunk, every chunk counted as a token, no JSON
parsed (the original README: it counts by chunk; exact counts need protocol
parsing). Prints one ClientReport JSON line.

    /usr/bin/python3 bench/peers/aiohttp_raw_client.py --url URL -n 100 -c 10 --body '{...}'

Needs Debian's python3-aiohttp (apt-get install python3-aiohttp).
"""
import time

from aiohttp_peer import run


async def measure(session, url, body, start):
    first = None
    count = 0
    async with session.post(url, json=body) as resp:
        async for _chunk in resp.content.iter_any():
            if first is None:
                first = time.perf_counter() - start
            count += 1
        if resp.status != 200 or first is None:
            raise RuntimeError(f"status {resp.status}, {count} chunks")
    return first, count


if __name__ == "__main__":
    run(measure)
