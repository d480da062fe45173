/*
 * alloc_agent.c - a JVMTI agent that logs every heap allocation made by a
 * thread whose name starts with "pipeline-" (the zero-GC pipeline's producer
 * and consumer): class, size and the top 20 frames. It samples every
 * allocation (heap sampling interval 0), so it shows what an allocation-
 * counting test charges to a thread and where it comes from.
 *
 * Build:  gcc -O2 -shared -fPIC -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" \
 *             -o liballoc.so scripts/alloc-sampler/alloc_agent.c
 * Use:    java -agentpath:/path/to/liballoc.so=/tmp/alloc.log ...
 * The log's last entries of a thread are its latest allocations; with a
 * thread started per run, the measured run's entries come after the warm-up
 * run's.
 */
#include <jvmti.h>
#include <stdio.h>
#include <string.h>

static FILE *out;

static void JNICALL on_sample(jvmtiEnv *env, JNIEnv *jni, jthread thread, jobject object, jclass klass, jlong size)
{
    (void) jni; (void) object;
    jvmtiThreadInfo info;
    if ((*env)->GetThreadInfo(env, thread, &info) != JVMTI_ERROR_NONE || info.name == NULL)
        return;
    if (strncmp(info.name, "pipeline-", 9) != 0) {
        (*env)->Deallocate(env, (unsigned char *) info.name);
        return;
    }
    char *sig = NULL;
    (*env)->GetClassSignature(env, klass, &sig, NULL);
    jvmtiFrameInfo frames[20];
    jint count = 0;
    (*env)->GetStackTrace(env, thread, 0, 20, frames, &count);
    fprintf(out, "ALLOC %s %s %lld\n", info.name, sig ? sig : "?", (long long) size);
    for (int i = 0; i < count; i++) {
        char *name = NULL, *csig = NULL;
        jclass decl;
        (*env)->GetMethodName(env, frames[i].method, &name, NULL, NULL);
        (*env)->GetMethodDeclaringClass(env, frames[i].method, &decl);
        (*env)->GetClassSignature(env, decl, &csig, NULL);
        fprintf(out, "    %s.%s @%lld\n", csig ? csig : "?", name ? name : "?", (long long) frames[i].location);
        if (name) (*env)->Deallocate(env, (unsigned char *) name);
        if (csig) (*env)->Deallocate(env, (unsigned char *) csig);
    }
    fflush(out);
    if (sig) (*env)->Deallocate(env, (unsigned char *) sig);
    (*env)->Deallocate(env, (unsigned char *) info.name);
}

JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved)
{
    (void) reserved;
    jvmtiEnv *jvmti;
    if ((*vm)->GetEnv(vm, (void **) &jvmti, JVMTI_VERSION_11) != JNI_OK)
        return 1;
    jvmtiCapabilities caps;
    memset(&caps, 0, sizeof caps);
    caps.can_generate_sampled_object_alloc_events = 1;
    if ((*jvmti)->AddCapabilities(jvmti, &caps) != JVMTI_ERROR_NONE)
        return 1;
    jvmtiEventCallbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.SampledObjectAlloc = on_sample;
    (*jvmti)->SetEventCallbacks(jvmti, &callbacks, sizeof callbacks);
    (*jvmti)->SetEventNotificationMode(jvmti, JVMTI_ENABLE, JVMTI_EVENT_SAMPLED_OBJECT_ALLOC, NULL);
    (*jvmti)->SetHeapSamplingInterval(jvmti, 0);
    out = fopen(options != NULL ? options : "/tmp/alloc-agent.log", "w");
    return out == NULL;
}
