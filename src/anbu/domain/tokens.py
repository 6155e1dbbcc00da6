"""How long an API token works: an integration somebody forgot stops working by itself, and
a year is the most one gets."""

TOKEN_DAYS = 90
LONGEST_TOKEN_DAYS = 365
