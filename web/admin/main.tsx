import { mount } from '../ui/mount.js';
import { AdminLogin } from './AdminLogin.js';

mount(<AdminLogin />);
