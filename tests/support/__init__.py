"""Test-support code (not tests): a throw-away site build shared by the site
and browser tests, and the archive's documents through the real pipeline."""
