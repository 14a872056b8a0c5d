//! Tests of the fake, driven through teloxide.
