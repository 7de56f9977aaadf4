"""KPI measures: binding a KPI to the records it counts, computing its actual, and the records behind it."""
