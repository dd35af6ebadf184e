"""Demo data for `schedtui --demo`, shipped as the package schedtui.demo_data."""
