"""Where the time of `elr_train --data fashion_mnist --percent 0.4` goes: CPU and wall seconds of the imports, the data,
the training epochs, the validations (the results phase's pass over the training items counts there too) and the
results phase, in one process. Flags after the script's name go to `elr_train` (`--epochs 1` for a quick look).

    OMP_NUM_THREADS=1 python benchmarks/fashion_phases.py --epochs 1
"""
import os, sys, tempfile, time

def clock(): return time.process_time(), time.perf_counter()
def add(T, name, start): T[name] = [x + (a - b) for x, a, b in zip(T.get(name, [0., 0.]), clock(), start)]

if __name__ == '__main__':
    T, c = {}, clock()
    from fastai_elr.cli import calm_threads; calm_threads()   # as elr_train: before torch loads
    from fastai_elr.quiet import quiet_dependencies; quiet_dependencies()
    from fastai_elr import cli
    import fastai_elr.run as run
    from fastai.callback.core import Callback
    add(T, 'imports', c)
    def timed(name, f):
        def g(*a, **k):
            c = clock()
            try: return f(*a, **k)
            finally: add(T, name, c)
        return g
    run.make_dls, run.write_results = timed('data', run.make_dls), timed('results phase', run.write_results)
    class Phases(Callback):
        order = 100
        def before_train(self): self.c = clock()
        def after_train(self): add(T, 'training epochs', self.c)
        def before_validate(self): self.v = clock()
        def after_validate(self): add(T, 'validation passes', self.v)
    out = tempfile.mkdtemp()
    args = cli.parser().parse_args(['--data', 'fashion_mnist', '--percent', '0.4', '-q', '--out', out, *sys.argv[1:]])
    cfg, _, _ = cli.settings(args)
    c = clock()
    run.train(cfg, out, quiet=True, cbs=[Phases()], log=lambda *a: None)
    add(T, 'whole run', c)
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, {cfg['epochs']} epoch(s), load average {os.getloadavg()[0]:.1f}")
    for k, (cpu, wall) in T.items(): print(f"{k:18s} CPU {cpu:7.1f} s   wall {wall:7.1f} s")
