# Sourced by jmh-ab.sh and replay-ab.sh: the two benchmark jars an A/B run alternates, and the JDK.
# ab_build_jars WORK BEFORE AFTER builds each commit in a detached worktree (offline Maven) and leaves
# WORK/before.jar and WORK/after.jar; ab_java prints a JDK 25 java, or "java".

ab_build_jars() {
  local work=$1 build rev
  for build in before after; do
    rev=$([ "$build" = before ] && echo "$2" || echo "$3")
    git worktree add -q --detach "$work/$build" "$rev"
    (cd "$work/$build" && mvn -q -B -o -DskipTests package) >&2
    cp "$work/$build/allocator-bench/target/jpymalloc-bench.jar" "$work/$build.jar"
    git worktree remove --force "$work/$build"
  done
}

ab_java() {
  local java
  java="$(ls -d /usr/lib/jvm/*25*/bin/java 2>/dev/null | head -1)"
  echo "${java:-java}"
}
