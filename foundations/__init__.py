"""The foundations every other package stands on: nothing here imports `knowledge`, `scheduler`,
`handlers` or `bot`.

Layers, bottom to top: `foundations` → `knowledge` → `scheduler` → `handlers` → `bot`.
A module may import only from its own layer or the ones below it (tests/architecture checks it).
"""
