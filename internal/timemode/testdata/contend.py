# Two threads of pure Python contend for the GIL; a third hashes a large
# buffer, which hashlib does with the GIL released; the main thread sleeps.
import hashlib, sys, threading, time

def spin_a():
    n = 0
    while True:
        n += 1

def spin_b():
    n = 0
    while True:
        n += 1

data = b"x" * (64 << 20)

def hashing():
    while True:
        hashlib.sha256(data).digest()

for f in (spin_a, spin_b, hashing):
    threading.Thread(target=f, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(1)
