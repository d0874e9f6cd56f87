"""The rectify stage: warp the board top-down into the detector's square input."""
