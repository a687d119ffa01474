// Units shared by the engine's modules: memory is counted in bytes and shown in GiB (2^30 bytes),
// the unit GPU capacities are quoted in (an "80 GB" A100 holds 80 GiB).
export const GIB = 1024 ** 3
