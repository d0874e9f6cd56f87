"""goban-calibrate: find the board in a camera frame and keep the calibration.

`find.find_board` fits a lattice of 9, 13 or 19 lines to the grid seen in one
frame (`evidence` -> `families` -> `comb` -> `search`/`grid`), with a
one-parameter lens model (`lens`). The result is stored as a
`store.Calibration`, which rectifies frames for the detector, and is checked
against new frames (`check`) to tell when the camera or the board has moved.
`cli` is the goban-calibrate command; `survey` runs board finding over a
folder of photos with known positions.
"""
