"""Build step of the Python package: records the NCLandscape checkout it was installed from.

`pip install ./python` builds from this folder; the generated `nclandscape/_checkout.py` (in the
built package only, never in the source tree) names the checkout, so that the installed package
finds `.build/release/nclandscape` there without environment variables.
"""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCheckout(build_py):
    def run(self):
        super().run()
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.path.dirname(here)
        if os.path.isfile(os.path.join(root, "Package.swift")):
            target = os.path.join(self.build_lib, "nclandscape", "_checkout.py")
            with open(target, "w") as f:
                f.write("# Written by setup.py at install time: the checkout this package came from.\n")
                f.write(f"CHECKOUT = {root!r}\n")


setup(cmdclass={"build_py": BuildWithCheckout})
