#!/usr/bin/env python3
"""soak-load.py SECONDS OUT.json: the workload of scripts/soak.sh.

For SECONDS it makes BPF map traffic through the bpf() syscall directly
(ctypes, no libbpf), in three roles, each a process of its own:
  churn  creates a hash map (soak_churn), fills it, walks it (one walk in
         four deletes its cursor mid-walk, so the kernel restarts), closes
         it (the kernel frees it), over and over;
  many   holds MANY small maps (soak_many) open and walks one at random;
  walker walks one big shared map (soak_big) as fast as it can: the event
         volume that overflows the ring buffer while the tracer is stopped.
Every get_next_key call is counted per map id, so soak.sh can check the
tracer's calls + lost_events against the calls really made.  OUT.json:
{"calls_by_map": {"ID": N, ...}, "maps_created": N}.
"""
import ctypes
import ctypes.util
import json
import multiprocessing as mp
import os
import random
import struct
import sys
import time

NR_BPF = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "s390x": 351, "ppc64le": 361}[os.uname().machine]
MAP_CREATE, UPDATE, LOOKUP, DELETE, NEXT_KEY, OBJ_GET_INFO_BY_FD = 0, 2, 1, 3, 4, 15
HASH = 1
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr: bytes):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(NR_BPF, cmd, buf, 128)
    return r, ctypes.get_errno(), buf


def create(name, key_size, value_size, max_entries):
    attr = struct.pack("<IIIIIII16s", HASH, key_size, value_size, max_entries, 0, 0, 0, name.encode())
    fd, err, _ = bpf(MAP_CREATE, attr)
    if fd < 0:
        raise OSError(err, f"map create {name}: {os.strerror(err)}")
    return fd


def map_id(fd):
    info = ctypes.create_string_buffer(96)
    attr = struct.pack("<IIQ", fd, 96, ctypes.addressof(info))
    r, err, _ = bpf(OBJ_GET_INFO_BY_FD, attr)
    if r:
        raise OSError(err, "get info")
    return struct.unpack_from("<II", info.raw, 0)[1]  # type, id


def update(fd, key: bytes, value: bytes):
    k, v = ctypes.create_string_buffer(key), ctypes.create_string_buffer(value)
    attr = struct.pack("<IIQQQ", fd, 0, ctypes.addressof(k), ctypes.addressof(v), 0)
    r, err, _ = bpf(UPDATE, attr)
    if r:
        raise OSError(err, f"update: {os.strerror(err)}")


def delete(fd, key):
    attr = struct.pack("<IIQ", fd, 0, ctypes.addressof(key))
    bpf(DELETE, attr)


def walk(fd, key_size, counts, mid, delete_at=None):
    """get_next_key from NULL to ENOENT, bpftool style (one buffer)."""
    key = ctypes.create_string_buffer(key_size)
    prev = 0
    n = 0
    while True:
        attr = struct.pack("<IIQQ", fd, 0, prev, ctypes.addressof(key))
        r, err, _ = bpf(NEXT_KEY, attr)
        counts[mid] = counts.get(mid, 0) + 1
        if r:
            if err != 2:  # ENOENT ends the walk
                raise OSError(err, f"get_next_key: {os.strerror(err)}")
            return n
        n += 1
        if delete_at is not None and n == delete_at:
            delete(fd, key)
        prev = ctypes.addressof(key)
        if n > 1_000_000:
            raise RuntimeError("walk did not end")


def fill(fd, n, key_size=8, value_size=8):
    for i in range(n):
        update(fd, struct.pack("<Q", i * 2654435761 % (1 << 64))[:key_size], b"v" * value_size)


def churn(deadline, q):
    counts, created = {}, 0
    while time.time() < deadline:
        fd = create("soak_churn", 8, 8, 256)
        created += 1
        mid = map_id(fd)
        fill(fd, 100)
        walk(fd, 8, counts, mid)
        walk(fd, 8, counts, mid, delete_at=50 if created % 4 == 0 else None)
        os.close(fd)
    q.put((counts, created))  # maps created


def many(deadline, q, nmaps):
    counts = {}
    maps = []
    for _ in range(nmaps):
        fd = create("soak_many", 8, 8, 64)
        fill(fd, 16)
        maps.append((fd, map_id(fd)))
    while time.time() < deadline:
        fd, mid = random.choice(maps)
        walk(fd, 8, counts, mid)
        time.sleep(0.002)
    for fd, _ in maps:
        os.close(fd)
    q.put((counts, 0))  # counted by main


def walker(deadline, q, fd, mid):
    counts = {}
    while time.time() < deadline:
        walk(fd, 8, counts, mid)
    q.put((counts, 0))


def main():
    seconds, out = float(sys.argv[1]), sys.argv[2]
    nmaps = int(os.environ.get("SOAK_MAPS", "300"))
    nwalkers = int(os.environ.get("SOAK_WALKERS", "2"))
    deadline = time.time() + seconds
    big = create("soak_big", 8, 8, 20000)
    fill(big, 10000)
    big_id = map_id(big)
    q = mp.Queue()
    procs = [mp.Process(target=churn, args=(deadline, q)), mp.Process(target=many, args=(deadline, q, nmaps))]
    procs += [mp.Process(target=walker, args=(deadline, q, big, big_id)) for _ in range(nwalkers)]
    for p in procs:
        p.start()
    total, created = {}, 1 + nmaps
    for _ in procs:
        counts, c = q.get()
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
        created += c
    for p in procs:
        p.join()
        if p.exitcode:
            sys.exit(f"error: soak load: a {p.name} process failed ({p.exitcode})")
    with open(out, "w") as f:
        json.dump({"calls_by_map": {str(k): v for k, v in total.items()}, "maps_created": created}, f)


if __name__ == "__main__":
    main()
