"""The shared core every chapter builds on: paths, errors, file I/O, i18n, number formats, chart theme,
statistics, unit economics, exchange rates, dated facts, scenario-section building blocks, the chapter registry.

Nothing in the core imports a chapter, the scenario layer, the notebook helpers or the report."""
