"""Supervision (电子监察): deadlines (限时办结), ratings (好差评) and their follow-ups (回访整改)."""
