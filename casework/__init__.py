"""Pure domain logic shared by station and district center (no I/O).

Catalog (实施清单, materials, 一件事 bundles), cases (办件) and their state machine, applicant checks
(GB 11643 / GB 32100), working days (限时办结), case numbers and documents as data.
"""
