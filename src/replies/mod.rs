//! The communication guide: reply templates with variants, placeholders, rotation and the BIFF lint.
