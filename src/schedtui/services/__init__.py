"""The only door to the data. Every function takes a :class:`~schedtui.store.Store`
and plain values, applies the rules inside one transaction, writes an audit entry
for each change and returns plain views, or raises :class:`DeskError`.
"""
