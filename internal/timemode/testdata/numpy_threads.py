# Two threads multiply matrices in numpy, which releases the GIL around
# the multiplication.
import threading, time
import numpy as np

a = np.random.rand(400, 400)

def matmul():
    while True:
        a @ a

for _ in range(2):
    threading.Thread(target=matmul, daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(1)
