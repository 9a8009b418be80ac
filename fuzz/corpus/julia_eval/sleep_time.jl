t0 = time()
sleep(60)
time() - t0