"""TICKER: rules and linker (linker.py, self-contained: the wheel ships it), symbol
directories (symbols.py), silver training data (silver.py) and adding the linker to a
trained pipeline (assemble.py)."""
