"""``crossborder workshop serve``: the chapters as Voilà apps for a class, safely.

- ``run.py``: the command. Voilà runs in its own process group with a per-run workshop folder as the user
  folder (the owner's scenarios are never written), a token, localhost unless ``--public``; Ctrl-C or SIGTERM
  stops Voilà and every kernel it started.
- ``manager.py``: the kernel manager Voilà is given: at most ``max_kernels`` kernels, a clear page when full.
- ``kernel.py``: what each kernel runs first: a memory cap (``RLIMIT_AS``), death with its server, no token
  in its environment, and with ``--allow-save`` its own session folder.
"""
