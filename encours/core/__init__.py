"""Pure domain package: plain values in, plain values out. No Django import here."""
