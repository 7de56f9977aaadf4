"""The yearly cycle: the call for actuals (実績照会), each department's checklist and submission (提出), the
bureau's status board, and the reminders sent before and after the due date."""
