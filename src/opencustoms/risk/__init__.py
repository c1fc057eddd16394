"""Risk management (DESIGN.md C4): risk profiles as data, scoring, selectivity, backtest."""
