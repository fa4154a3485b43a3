"""Reports: the school's dynamic status sheet, the county summary table, monthly
submissions and Excel exports. Filled in by the reports issue."""
