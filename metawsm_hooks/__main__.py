from __future__ import annotations

from metawsm_hooks.cli import main

raise SystemExit(main())
