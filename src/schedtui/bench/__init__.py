"""Speed at scale: the benchmark data set, the plain-code floors and the figures
(``python -m schedtui.bench``; the data set alone: ``schedtui bench-data``)."""
