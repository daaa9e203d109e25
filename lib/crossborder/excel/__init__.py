"""Excel both ways: the report's tables, the scenario and the facts out to a workbook; a team's data files and
scenario values back in, validated like the CSV and YAML they stand for.

``book`` writes sheets (frozen headers, number formats, widths) and saves atomically; ``scenario_book`` exports a
market's scenario one sheet per section and imports an edited copy as the user's overlay; ``template`` writes a
data file's template; ``report_book`` builds ``reports/<CODE>/<CODE>-<lang>.xlsx`` from the executed notebooks.
It reads core and the scenario layer, and executed notebooks as files; never a chapter's code.
"""
