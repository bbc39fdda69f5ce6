/* STANDIN(console) */
