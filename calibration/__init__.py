"""goban-calibrate: find the board in a camera frame and keep the calibration.

Board finding (`find`) fits a lattice of 9, 13 or 19 lines to the grid seen in
one frame, with a one-parameter lens model (`lens`); the result is stored as a
`Calibration` (`store`) that rectifies frames for the detector and is checked
against new frames (`check`) to tell when the camera or board has moved.
"""
