/*
 * The entry point of the rseq sections image (native-build.sh check-sections):
 * the image is linked from the library's objects only to be disassembled,
 * never run.
 */
int main(void)
{
    return 0;
}
