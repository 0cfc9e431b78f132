from __future__ import annotations

from metawsm_hooks.main import main

raise SystemExit(main())
