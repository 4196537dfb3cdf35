"""How `elr_train` lets torch's waiting threads wait: one training step of its Fashion-MNIST model, four ways, in turn.

    python benchmarks/thread_wait.py                    # 3 rounds on the machine as it is
    python benchmarks/thread_wait.py --load 3           # beside 3 busy processes, as other jobs on the machine
    python benchmarks/thread_wait.py --steps 20 --rounds 1

Each way runs in a fresh process (the wait policy is read when torch loads): `cnn_fast` on a batch of 128
Fashion-MNIST-sized images, with Adam, as `elr_train --data fashion_mnist` trains it. Between parallel regions OpenMP's
threads spin by default; where other processes want the same cores, a spinning thread holds a core that the thread it
waits for needs, and every step waits on the slowest thread. `OMP_WAIT_POLICY=PASSIVE` makes them sleep at once, which
costs the wake-up on an idle machine; `short spin` (what `elr_train` sets: `fastai_elr.cli.THREAD_WAIT`) spins a
little, then sleeps. Prints the median milliseconds per step, wall and CPU, of each way in each round, and the load average.
"""
import argparse, json, os, statistics, subprocess, sys, time
from fastai_elr.cli import THREAD_WAIT   # loads no torch

WAYS = {'spinning': {}, 'sleeping': {'OMP_WAIT_POLICY': 'PASSIVE'}, 'short spin': THREAD_WAIT,
        'one thread': {'OMP_NUM_THREADS': '1'}}

def child(steps):
    import torch, torch.nn.functional as F
    from fastai_elr.run import cnn
    torch.manual_seed(0)
    m = cnn(1, 10, first_stride=2); opt = torch.optim.Adam(m.parameters(), 1e-3)
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    walls, cpus = [], []
    for i in range(steps + 3):
        w, c = time.perf_counter(), time.process_time()
        opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()
        if i >= 3: walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)   # after a warm-up
    print(json.dumps(dict(threads=torch.get_num_threads(), wall_ms=1000 * statistics.median(walls), cpu_ms=1000 * statistics.median(cpus))))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=40); p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--load', type=int, default=0, help="this many busy processes beside the steps, as other jobs on the machine")
    p.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child: return child(a.steps)
    busy = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(a.load)]
    try: measure(a)
    finally:
        for b in busy: b.kill()

def measure(a):
    base = {k: v for k, v in os.environ.items() if k not in ('OMP_WAIT_POLICY', 'OMP_NUM_THREADS', *THREAD_WAIT)}
    for r in range(a.rounds):
        for way, env in WAYS.items():
            out = subprocess.run([sys.executable, __file__, '--child', '--steps', str(a.steps)], env=base | env,
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            res = json.loads(out)
            print(f"round {r}, {way:10} ({res['threads']} threads): {res['wall_ms']:6.1f} ms/step wall, {res['cpu_ms']:6.1f} ms/step CPU, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)

if __name__ == '__main__': main()
