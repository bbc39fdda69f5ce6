//! STANDIN(admin): the whole file. Helper "admin" writes the admin listener here; this stand-in
//! only declares the console's parts so they build and are tested on the `console` branch.

pub mod events;
