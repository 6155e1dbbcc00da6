"""File formats that come from outside: the district's subject lists, carriers' feeds."""
