"""Realistic demo content for Hanoi, loaded by `manage.py demo`.

Every loader is idempotent: records are found by a natural key (an email, an
organisation name, a membership number, a dossier code) and created only when
missing, so running the command again changes nothing.
"""
