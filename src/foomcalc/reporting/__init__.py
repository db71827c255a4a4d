"""What people read: summary.json, figures, report.md/html, comparisons, atomic
report folders, and the report workflow (inputs -> analysis -> folder)."""
