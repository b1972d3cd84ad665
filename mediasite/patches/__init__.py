"""Patches of servers we run, each for the daphne or Django version it was written against, each naming its upstream issue."""
