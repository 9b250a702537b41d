# Shared by the deploy scripts: install what is missing, and MPI launch settings.
# Sourced, not run.

# Debian packages metaprompt needs: compilers find headers and libraries through pkg-config.
METAPROMPT_PACKAGES=(libopenmpi-dev openmpi-bin libopenblas-dev libjpeg-dev libyaml-dev pkg-config)

# Installs the packages that are not installed yet (apt-get only when something is missing).
ensure_packages() {
    local missing=()
    for p in "${METAPROMPT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# mpirun refuses to run as root unless told; containers and CI often are root.
# mpirun's own links to the other hosts' daemons probe an idle connection after 30 s, every
# 10 s, 3 times: a host or link that is gone ends the job within about a minute (OpenMPI's
# default is 8 minutes). A rank that stops answering while its links stay up is metaprompt's
# --comm-timeout's to catch.
keepalive_args=(--mca oob_tcp_keepalive_time 30 --mca oob_tcp_keepalive_intvl 10 --mca oob_tcp_keepalive_probes 3)

mpirun_args() {
    local args=("${keepalive_args[@]}")
    [ "$(id -u)" -eq 0 ] && args+=(--allow-run-as-root)
    printf '%s\n' "${args[@]}"
}

# One OpenBLAS thread per rank (metaprompt sets it too; this also covers OpenBLAS's startup).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
